import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../core/clock.js';
import { parseDurationSeconds } from '../core/duration.js';
import { PkiError } from '../core/pki-error.js';
import { KEY_ALGORITHMS, type KeyAlgorithmName } from '../pki/algorithms/key-algorithm.js';
import {
  acmeRenewalInfoSource,
  DeviceAgent,
  estTransport,
  FileCredentialStore,
  type InstalledCredential,
  type StepOutcome,
} from './device-agent.js';

/** Exit statuses of `certfleet agent --once` (sysexits.h for "try again later"). */
export const AGENT_EXIT = { ok: 0, failed: 1, usage: 2, pending: 75 } as const;

interface AgentOptions {
  estUrl: string;
  anchor?: string;
  pinRoot?: string;
  idevidCert: string;
  idevidKey: string;
  stateDir: string;
  once?: boolean;
  hook?: string;
  keyAlgorithm?: KeyAlgorithmName;
  renewAt?: number;
  jitter?: number;
  backoff: number;
  backoffMax: number;
  trustRefresh: number;
  acmeDirectoryUrl?: string;
  timeout: number;
}

function seconds(text: string): number {
  try {
    return parseDurationSeconds(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function fraction(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) throw new InvalidArgumentError('a fraction between 0 and 1, e.g. 0.66');
  return value;
}

/**
 * `certfleet agent`: the device side. Built here, in src/agent, so that the agent's own entry point
 * (bin/certfleet-agent.js) runs it without loading any server code; the certfleet CLI mounts the same command.
 * `onExit` receives the exit status of a --once run.
 */
export function agentCommand(onExit: (status: number) => void = (s) => (process.exitCode = s)): Command {
  return new Command('agent')
    .description(
      "keep this device's operational certificate (LDevID) renewed over EST: onboard with the IDevID, then renew " +
        'with the current LDevID before it expires (a new key each time)',
    )
    .requiredOption('--est-url <url>', 'EST base URL, e.g. https://pki.example.com:8443/.well-known/est')
    .option('--anchor <file>', 'PEM trust anchor(s) for the EST server, installed on first run')
    .option(
      '--pin-root <sha256>',
      'instead of --anchor: fetch cacerts once and trust the root with this SHA-256 (hex of the DER)',
    )
    .requiredOption('--idevid-cert <file>', 'the birth certificate (IDevID), PEM, with its chain')
    .requiredOption('--idevid-key <file>', 'the IDevID private key, PEM')
    .requiredOption(
      '--state-dir <dir>',
      'where the agent keeps its keys, certificates and schedule (current/cert.pem, current/key.pem)',
    )
    .option('--once', 'do what is due now and exit (for cron or a systemd timer); default: run as a daemon')
    .option(
      '--hook <command>',
      'shell command run after a new certificate is installed (CERTFLEET_CERT, CERTFLEET_KEY, CERTFLEET_SERIAL, CERTFLEET_NOT_AFTER set)',
    )
    .addOption(
      new Option(
        '--key-algorithm <name>',
        'key type of each new key (default: what the server asks, else ec-p256)',
      ).choices([...KEY_ALGORITHMS]),
    )
    .option(
      '--renew-at <fraction>',
      'share of the lifetime after which to renew when the server announces nothing (default 0.67)',
      fraction,
    )
    .option(
      '--jitter <fraction>',
      'share of the renewal window over which the start is spread (default 0.25)',
      fraction,
    )
    .option('--backoff <duration>', 'first retry delay after a failure; doubles each time', seconds, 30)
    .option(
      '--backoff-max <duration>',
      'longest retry delay (shorter when the certificate is about to expire)',
      seconds,
      3600,
    )
    .option(
      '--trust-refresh <duration>',
      'how often cacerts is fetched again (trust anchor rollover)',
      seconds,
      86_400,
    )
    .option(
      '--acme-directory-url <url>',
      "also follow the server's ACME renewal information (RFC 9773) for the LDevID, e.g. " +
        'https://pki.example.com:8443/acme/directory (the server is trusted by the same anchors as for EST)',
    )
    .option('--timeout <duration>', 'timeout of each EST (and renewalInfo) request', seconds, 30)
    .action(async (options: AgentOptions) => {
      const stateDir = resolve(options.stateDir);
      const store = new FileCredentialStore(stateDir, {
        idevidCertFile: resolve(options.idevidCert),
        idevidKeyFile: resolve(options.idevidKey),
      });
      if (options.anchor !== undefined && (await store.trustAnchorsPem()) === undefined) {
        await store.setTrustAnchorsPem(await readFile(resolve(options.anchor), 'utf8'));
      }
      if ((await store.trustAnchorsPem()) === undefined && options.pinRoot === undefined) {
        throw new PkiError(
          'CONFIG_INVALID',
          'no trust anchor yet: give --anchor <file> or --pin-root <sha256>',
        );
      }
      const agent = new DeviceAgent({
        config: {
          estUrl: options.estUrl,
          backoff: { initialSeconds: options.backoff, maxSeconds: options.backoffMax },
          trustRefreshSeconds: options.trustRefresh,
          ...(options.keyAlgorithm === undefined ? {} : { keyAlgorithm: options.keyAlgorithm }),
          ...(options.renewAt === undefined ? {} : { renewalFraction: options.renewAt }),
          ...(options.jitter === undefined ? {} : { jitterFraction: options.jitter }),
          ...(options.pinRoot === undefined ? {} : { pinnedRootSha256: options.pinRoot.toLowerCase() }),
          ...(options.acmeDirectoryUrl === undefined ? {} : { acmeDirectoryUrl: options.acmeDirectoryUrl }),
        },
        store,
        est: estTransport({
          estUrl: options.estUrl,
          trustPem: () => store.trustAnchorsPem(),
          timeoutMs: options.timeout * 1000,
        }),
        ...(options.acmeDirectoryUrl === undefined
          ? {}
          : {
              renewalInfo: acmeRenewalInfoSource({
                directoryUrl: options.acmeDirectoryUrl,
                timeoutMs: options.timeout * 1000,
              }),
            }),
        clock: systemClock,
        ...(options.hook === undefined ? {} : { hook: shellHook(options.hook, stateDir) }),
      });
      if (options.once === true) {
        onExit(exitStatusOf(await agent.step()));
        return;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await agent.run(stop.signal);
    });
}

export function exitStatusOf(outcome: StepOutcome): number {
  switch (outcome.kind) {
    case 'onboarded':
    case 'renewed':
    case 'not-due':
      return AGENT_EXIT.ok;
    case 'pending':
      return AGENT_EXIT.pending;
    case 'failed':
      return AGENT_EXIT.failed;
  }
}

/** The hook as a shell command, told what was installed through the environment; a non-zero exit is a failure. */
function shellHook(command: string, stateDir: string): (installed: InstalledCredential) => Promise<void> {
  return (installed) =>
    new Promise((resolvePromise, reject) => {
      execFile(
        '/bin/sh',
        ['-c', command],
        {
          timeout: 120_000,
          env: {
            ...process.env,
            CERTFLEET_CERT: resolve(stateDir, 'current', 'cert.pem'),
            CERTFLEET_KEY: resolve(stateDir, 'current', 'key.pem'),
            CERTFLEET_SERIAL: installed.serial,
            CERTFLEET_NOT_AFTER: installed.notAfter.toISOString(),
          },
        },
        (error, _stdout, stderr) => {
          if (error) reject(new Error(`hook failed: ${error.message}${stderr ? `: ${stderr.trim()}` : ''}`));
          else resolvePromise();
        },
      );
    });
}
