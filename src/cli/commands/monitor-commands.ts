import { basename } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { type DeviceId, toDeviceId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { resolveSecretReference } from '../../keys/secret-reference.js';
import { importEndpointCsv } from '../../monitor/endpoint-csv.js';
import { openMonitor } from '../../monitor/open-monitor.js';
import { PromisePool } from '../../monitor/promise-pool.js';
import {
  ENDPOINT_KINDS,
  ENDPOINT_PROTOCOLS,
  type EndpointKind,
  type EndpointProtocol,
  type MonitoredEndpoint,
  type NewEndpoint,
} from '../../store/endpoint-registry.js';
import type { EndpointObservation, ObservationSummary } from '../../store/observation-log.js';
import type { CliContext } from '../cli-context.js';
import { isoDate, table } from '../format.js';
import { readInputFile } from '../input-file.js';
import { positiveIntegerOption } from '../options.js';
import { UsageError } from './ca-commands.js';

const CSV_HELP = `
The file starts with the header name,host,port,sni,protocol,kind,device_id (sni, kind and device_id may be
left out). Bad rows are listed with their line numbers and the good rows are imported together; the exit
status is 1 if any row was refused. See docs/monitor.md.`;

export function monitorCommand(context: () => CliContext): Command {
  const monitor = new Command('monitor').description(
    'the external TLS monitor: endpoints to probe, probes now, what they saw',
  );

  monitor
    .command('add')
    .description('add an endpoint to probe')
    .argument('<name>', 'a unique name, e.g. broker-eu-1')
    .requiredOption('--host <host>', 'DNS name or IP address')
    .requiredOption('--port <port>', 'TCP port', positiveIntegerOption)
    .option('--sni <name>', 'server name to send and match (default: the host, unless an IP address)')
    .option('--protocol <protocol>', `one of ${ENDPOINT_PROTOCOLS.join(', ')}`, 'tls')
    .option('--kind <kind>', `one of ${ENDPOINT_KINDS.join(', ')} (device endpoints are sampled)`, 'service')
    .option('--device <id>', 'the device this endpoint belongs to')
    .option('--client-credential <name>', 'a client certificate from monitor.clientCredentials to present')
    .option('--label <key=value>', 'a label (repeatable)', collectLabel, {})
    .option('--notes <text>', 'free text')
    .option('--disabled', 'add it without probing it yet')
    .action(
      async (
        name: string,
        options: {
          host: string;
          port: number;
          sni?: string;
          protocol: string;
          kind: string;
          device?: string;
          clientCredential?: string;
          label: Record<string, string>;
          notes?: string;
          disabled?: boolean;
        },
      ) => {
        const ctx = context();
        const endpoint: NewEndpoint = {
          name,
          host: options.host,
          port: options.port,
          sni: options.sni ?? null,
          protocol: options.protocol as EndpointProtocol,
          kind: options.kind as EndpointKind,
          deviceId: options.device === undefined ? null : deviceId(options.device),
          clientCredential: options.clientCredential ?? null,
          labels: options.label,
          notes: options.notes ?? null,
          enabled: options.disabled !== true,
        };
        await ctx.withStore(async (store) => {
          const added = await store.endpoints.add(endpoint, ctx.io.clock.now());
          ctx.out(`Added endpoint ${added.name} (${address(added)}, ${added.protocol}, ${added.kind}).`);
        });
      },
    );

  monitor
    .command('import')
    .description('add endpoints from a CSV file')
    .argument('<file.csv>', 'the CSV file')
    .addHelpText('after', CSV_HELP)
    .action(async (file: string) => {
      const ctx = context();
      const bytes = await readInputFile(ctx.io.cwd, file, 'CSV file');
      await ctx.withStore(async (store) => {
        const report = await importEndpointCsv(store.endpoints, bytes, ctx.io.clock.now());
        ctx.out(`Imported ${report.imported.length} of ${report.rows} row(s) from ${basename(file)}.`);
        for (const error of report.errors) ctx.out(`line ${error.line}: ${error.reason}`);
        if (report.errors.length > 0) {
          throw new PkiError(
            'MALFORMED_INPUT',
            `${report.errors.length} row(s) of ${basename(file)} were not imported`,
          );
        }
      });
    });

  monitor
    .command('list')
    .description('list the endpoints, by name')
    .option('--kind <kind>', `only ${ENDPOINT_KINDS.join(' or ')} endpoints`)
    .option('--limit <n>', 'at most this many (up to 10000)', positiveIntegerOption, 100)
    .option('--offset <n>', 'skip this many first (the next page)', nonNegativeIntegerOption, 0)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { kind?: string; limit: number; offset: number; json?: boolean }) => {
      const ctx = context();
      const kind = options.kind === undefined ? undefined : endpointKind(options.kind);
      await ctx.withStore(async (store) => {
        const endpoints = await store.endpoints.list({
          ...(kind === undefined ? {} : { kind }),
          limit: options.limit,
          offset: options.offset,
        });
        if (options.json) {
          ctx.out(JSON.stringify(endpoints.map(endpointJson), null, 2));
          return;
        }
        if (endpoints.length === 0) {
          ctx.out('No endpoints. Add one with certfleet monitor add, or import a CSV file.');
          return;
        }
        ctx.out(
          table(
            ['NAME', 'ADDRESS', 'SNI', 'PROTOCOL', 'KIND', 'DEVICE', 'ENABLED', 'FAILURES', 'LAST PROBED'],
            endpoints.map((e) => [
              e.name,
              address(e),
              e.sni ?? '-',
              e.protocol,
              e.kind,
              e.deviceId ?? '-',
              e.enabled ? 'yes' : 'no',
              String(e.consecutiveFailures),
              isoDate(e.lastProbedAt),
            ]),
          ),
        );
      });
    });

  monitor
    .command('remove')
    .description('remove an endpoint and its observations')
    .argument('<name>', 'the endpoint')
    .action(async (name: string) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        await store.endpoints.remove(name);
        ctx.out(`Removed endpoint ${name}.`);
      });
    });

  monitor
    .command('probe')
    .description('probe endpoints now (all enabled ones by default), record and print what they show')
    .argument('[names...]', 'the endpoints to probe')
    .option('--json', 'print JSON instead of a table')
    .action(async (names: string[], options: { json?: boolean }) => {
      const ctx = context();
      const loaded = await ctx.loadedConfig();
      await ctx.withStore(async (store, config) => {
        const endpoints =
          names.length > 0 ? await named(store.endpoints, names) : await allEnabled(store.endpoints);
        const { prober } = await openMonitor({
          store,
          settings: config.monitor,
          clock: ctx.io.clock,
          log: { error: (_fields, message) => ctx.note(message) },
          resolveSecret: (reference, purpose) =>
            resolveSecretReference(reference, { env: ctx.io.env, purpose }),
          baseDir: loaded.baseDir,
        });
        const pool = new PromisePool(config.monitor.concurrency);
        const results: Array<{ endpoint: MonitoredEndpoint; observation: EndpointObservation }> = [];
        for (const endpoint of endpoints) {
          await pool.submit(async () => {
            try {
              const observation = await store.observations.record(await prober.probe(endpoint));
              results.push({ endpoint, observation });
            } catch (error) {
              ctx.note(`${endpoint.name}: ${error instanceof Error ? error.message : String(error)}`);
            }
          });
        }
        await pool.drain();
        results.sort((a, b) => (a.endpoint.name < b.endpoint.name ? -1 : 1));
        if (options.json) {
          ctx.out(
            JSON.stringify(
              results.map((r) => ({ endpoint: r.endpoint.name, ...observationJson(r.observation) })),
              null,
              2,
            ),
          );
          return;
        }
        if (results.length === 0) {
          ctx.out('No endpoints to probe.');
          return;
        }
        ctx.out(
          table(
            ['ENDPOINT', 'OUTCOME', 'LEFT', 'CHAIN', 'SYSTEM', 'HOSTNAME', 'TLS', 'KEY', 'DEVICE', 'DETAIL'],
            results.map(({ endpoint, observation: o }) => [endpoint.name, ...observationCells(o)]),
          ),
        );
        if (results.length < endpoints.length) {
          throw new PkiError(
            'UNAVAILABLE',
            `${endpoints.length - results.length} probe(s) could not be recorded`,
          );
        }
      });
    });

  monitor
    .command('observations')
    .description("an endpoint's observations, newest first")
    .argument('<name>', 'the endpoint')
    .option('--limit <n>', 'at most this many (up to 10000)', positiveIntegerOption, 20)
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string, options: { limit: number; json?: boolean }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const endpoint = await store.endpoints.get(name);
        if (endpoint === undefined) throw new PkiError('NOT_FOUND', `no endpoint named '${name}'`);
        const history = await store.observations.history(endpoint.id, { limit: options.limit });
        if (options.json) {
          ctx.out(
            JSON.stringify(
              { endpoint: endpointJson(endpoint), observations: history.map(observationJson) },
              null,
              2,
            ),
          );
          return;
        }
        if (history.length === 0) {
          ctx.out(`No observations of ${name} yet; run certfleet monitor probe ${name}.`);
          return;
        }
        ctx.out(
          table(
            ['AT', 'OUTCOME', 'LEFT', 'CHAIN', 'SYSTEM', 'HOSTNAME', 'TLS', 'KEY', 'DEVICE', 'DETAIL'],
            history.map((o) => [isoDate(o.observedAt), ...observationCells(o)]),
          ),
        );
      });
    });
  return monitor;
}

/** OUTCOME, LEFT, CHAIN, SYSTEM, HOSTNAME, TLS, KEY, DEVICE, DETAIL. */
function observationCells(o: ObservationSummary): string[] {
  const verdict = (value: boolean | null, yes: string, no: string) =>
    value === null ? '-' : value ? yes : no;
  const left = o.daysLeft === null ? '-' : o.daysLeft < 0 ? 'expired' : `${o.daysLeft}d`;
  const linked = o.linked === null ? '-' : (o.linked.deviceId ?? `${o.linked.issuerId}/${o.linked.serial}`);
  const detail = o.errorMessage ?? o.chainError ?? o.protocolResult ?? '';
  return [
    o.outcome,
    left,
    verdict(o.chainValid, 'valid', 'invalid'),
    verdict(o.chainValidSystem, 'valid', 'invalid'),
    verdict(o.hostnameMatches, 'ok', 'mismatch'),
    o.tlsVersion ?? '-',
    o.leaf?.keyAlgorithm ?? '-',
    linked,
    detail,
  ];
}

function observationJson(o: ObservationSummary) {
  return {
    id: o.id,
    observedAt: o.observedAt.toISOString(),
    durationMs: o.durationMs,
    outcome: o.outcome,
    errorMessage: o.errorMessage,
    tlsVersion: o.tlsVersion,
    protocolResult: o.protocolResult,
    leaf:
      o.leaf === null
        ? null
        : { ...o.leaf, notBefore: o.leaf.notBefore.toISOString(), notAfter: o.leaf.notAfter.toISOString() },
    daysLeft: o.daysLeft,
    chainLength: o.chainLength,
    chainValid: o.chainValid,
    chainError: o.chainError,
    chainValidSystem: o.chainValidSystem,
    chainSystemError: o.chainSystemError,
    hostnameMatches: o.hostnameMatches,
    linked: o.linked,
  };
}

function endpointJson(e: MonitoredEndpoint) {
  return {
    ...e,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    lastProbedAt: e.lastProbedAt?.toISOString() ?? null,
  };
}

function address(e: MonitoredEndpoint): string {
  return `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

async function named(
  registry: { get(name: string): Promise<MonitoredEndpoint | undefined> },
  names: readonly string[],
): Promise<MonitoredEndpoint[]> {
  const endpoints: MonitoredEndpoint[] = [];
  for (const name of new Set(names)) {
    const endpoint = await registry.get(name);
    if (endpoint === undefined) throw new PkiError('NOT_FOUND', `no endpoint named '${name}'`);
    endpoints.push(endpoint);
  }
  return endpoints;
}

/** Every enabled endpoint, page by page. */
async function allEnabled(registry: {
  list(query: { enabled: boolean; limit: number; offset: number }): Promise<readonly MonitoredEndpoint[]>;
}): Promise<MonitoredEndpoint[]> {
  const all: MonitoredEndpoint[] = [];
  const limit = 1000;
  for (let offset = 0; ; offset += limit) {
    const page = await registry.list({ enabled: true, limit, offset });
    all.push(...page);
    if (page.length < limit) return all;
  }
}

function collectLabel(value: string, labels: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`use key=value, not '${value}'`);
  return { ...labels, [value.slice(0, at)]: value.slice(at + 1) };
}

function deviceId(text: string): DeviceId {
  const id = toDeviceId(text);
  if (!id) throw new UsageError(`'${text}' is not a device id (letters, digits and ._:@/+-, up to 128)`);
  return id;
}

function endpointKind(text: string): EndpointKind {
  if (!(ENDPOINT_KINDS as readonly string[]).includes(text)) {
    throw new UsageError(`--kind must be ${ENDPOINT_KINDS.join(' or ')}, not '${text}'`);
  }
  return text as EndpointKind;
}

function nonNegativeIntegerOption(value: string): number {
  return value === '0' ? 0 : positiveIntegerOption(value);
}
