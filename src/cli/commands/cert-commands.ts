import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { type DeviceId, type IssuerId, toDeviceId, toSerialHex } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import { parseCertificate } from '../../pki/certificate.js';
import { encodePem } from '../../pki/pem.js';
import type { CertificateStatus } from '../../store/records.js';
import type { CertificateRequest } from '../../ra/registration-authority.js';
import type { CliContext } from '../cli-context.js';
import { readInputFile } from '../input-file.js';
import { certificateDetails, certificateRows } from '../format.js';
import { durationOption, issuerIdOption, positiveIntegerOption } from '../options.js';
import { UsageError } from './ca-commands.js';
import { renewalWindowCommand } from './renewal-window-command.js';
import { revokeCommand } from './revocation-commands.js';
import { certificatePem, issueBatch } from '../batch-issue.js';

interface IssueOptions {
  profile: string;
  csr?: string;
  csrDir?: string;
  issuer?: IssuerId;
  validity?: number;
  deviceId?: string;
  subject?: string;
  out?: string;
  outDir?: string;
  chain?: boolean;
}

export function certCommand(context: () => CliContext): Command {
  const cert = new Command('cert').description('issue, inspect and list certificates');

  cert
    .command('issue')
    .description('issue a certificate for a CSR under a profile (one CSR, or every CSR in a folder)')
    .requiredOption('--profile <name>', 'idevid, ldevid, tls-server or code-signing')
    .option('--csr <file>', 'the PKCS#10 request (PEM or DER)')
    .option('--csr-dir <dir>', 'issue for every *.csr/*.pem/*.der in this folder')
    .option(
      '--issuer <id>',
      'issuer to sign with (default: the one configured for the profile)',
      issuerIdOption,
    )
    .option(
      '--validity <duration>',
      'lifetime, e.g. 30d or 12h (default: the profile default)',
      durationOption,
    )
    .option('--device-id <id>', 'device the certificate is for (LDevID: added as the identity URI)')
    .option('--subject <dn>', "replace the CSR's subject (RFC 4514)")
    .option('--out <file>', 'write the certificate here instead of standard output')
    .option('--out-dir <dir>', 'with --csr-dir: where to write <name>.cert.pem (default: next to each CSR)')
    .option('--chain', 'append the issuing CA certificate(s)')
    .action(async (options: IssueOptions) => {
      const ctx = context();
      if ((options.csr === undefined) === (options.csrDir === undefined)) {
        throw new UsageError('give exactly one of --csr or --csr-dir');
      }
      const base = (csr: Uint8Array): CertificateRequest => ({
        csr,
        profile: options.profile,
        protocol: 'cli',
        operation: 'issue',
        ...(options.issuer === undefined ? {} : { issuerId: options.issuer }),
        ...(options.validity === undefined ? {} : { validitySeconds: options.validity }),
        ...(options.deviceId === undefined ? {} : { deviceId: options.deviceId }),
        ...(options.subject === undefined ? {} : { subject: options.subject }),
      });
      const credential = { kind: 'operator' as const, name: 'cli' };
      await ctx.withRuntime(async (runtime) => {
        if (options.csr !== undefined) {
          const issued = await runtime.ra.requestCertificate(
            credential,
            base(await readInputFile(ctx.io.cwd, options.csr, 'CSR')),
          );
          const pem = certificatePem(issued, options.chain === true);
          if (options.out === undefined) ctx.out(pem.trimEnd());
          else await writeFile(resolve(ctx.io.cwd, options.out), pem, { mode: 0o644 });
          ctx.note(
            `Issued ${options.profile} certificate ${issued.serial} by '${issued.issuerId}', valid until ${issued.notAfter.toISOString()}`,
          );
          return;
        }
        await issueBatch(ctx, options, (csr) => runtime.ra.requestCertificate(credential, base(csr)));
      });
    });

  cert
    .command('show')
    .description('show a certificate by serial number (from the store) or from a file')
    .argument('<serial-or-file>', 'hex serial (colons allowed) or a PEM/DER file')
    .option('--issuer <id>', 'when the serial exists under several issuers', issuerIdOption)
    .option('--pem', 'also print the PEM')
    .action(async (target: string, options: { issuer?: IssuerId; pem?: boolean }) => {
      const ctx = context();
      const path = resolve(ctx.io.cwd, target);
      const isFile = await stat(path).then(
        (s) => s.isFile(),
        () => false,
      );
      await ctx.withStore(async (store) => {
        if (isFile) {
          const parsed = parseCertificate(await readInputFile(ctx.io.cwd, target, 'certificate'));
          const records = await store.certificates.findBySerial(parsed.serial);
          const record = records.find((r) => r.fingerprintSha256 === parsed.fingerprintSha256);
          ctx.out(certificateDetails(parsed, record));
          if (!record) ctx.out('(not issued by this deployment)');
          if (options.pem) ctx.out(encodePem('CERTIFICATE', parsed.der).trimEnd());
          return;
        }
        const serial = toSerialHex(target);
        if (!serial) throw new UsageError(`'${target}' is neither a file nor a hex serial number`);
        const matches = (await store.certificates.findBySerial(serial)).filter(
          (r) => options.issuer === undefined || r.issuerId === options.issuer,
        );
        if (matches.length === 0) throw new PkiError('NOT_FOUND', `no certificate with serial ${serial}`);
        if (matches.length > 1)
          throw new UsageError(`serial ${serial} exists under several issuers; add --issuer`);
        const record = matches[0]!;
        if (record.der === null) {
          ctx.out(
            `Serial ${record.serial} was prepared at ${record.preparedAt.toISOString()} but never signed.`,
          );
          return;
        }
        ctx.out(certificateDetails(parseCertificate(record.der), record));
        if (options.pem) ctx.out(encodePem('CERTIFICATE', record.der).trimEnd());
      });
    });

  cert
    .command('list')
    .description('list certificates, soonest expiry first')
    .option(
      '--expiring-within <duration>',
      'only those expiring within this time from now, e.g. 14d',
      durationOption,
    )
    .option('--issuer <id>', 'only this issuer', issuerIdOption)
    .option('--profile <name>', 'only this profile')
    .option('--device <id>', 'only this device')
    .option('--status <status>', 'issued, revoked or prepared (default: issued)')
    .option('--include-expired', 'also list certificates that have expired')
    .option('--limit <n>', 'at most this many rows', positiveIntegerOption, 100)
    .option('--json', 'machine-readable output')
    .action(
      async (options: {
        expiringWithin?: number;
        issuer?: IssuerId;
        profile?: string;
        device?: string;
        status?: string;
        includeExpired?: boolean;
        limit: number;
        json?: boolean;
      }) => {
        const ctx = context();
        const status = (options.status ?? 'issued') as CertificateStatus;
        if (!['issued', 'revoked', 'prepared'].includes(status))
          throw new UsageError('--status must be issued, revoked or prepared');
        let device: DeviceId | undefined;
        if (options.device !== undefined) {
          device = toDeviceId(options.device);
          if (!device) throw new UsageError(`'${options.device}' is not a device id`);
        }
        const now = ctx.io.clock.now();
        await ctx.withStore(async (store) => {
          const records = await store.certificates.list({
            status,
            limit: options.limit,
            ...(options.includeExpired ? {} : { notAfterFrom: now }),
            ...(options.expiringWithin === undefined
              ? {}
              : { notAfterBefore: new Date(now.getTime() + options.expiringWithin * 1000) }),
            ...(options.issuer === undefined ? {} : { issuerId: options.issuer }),
            ...(options.profile === undefined ? {} : { profile: options.profile }),
            ...(device === undefined ? {} : { deviceId: device }),
          });
          if (options.json) {
            ctx.out(
              JSON.stringify(
                records.map(({ der: _der, ...rest }) => rest),
                null,
                2,
              ),
            );
          } else if (records.length === 0) {
            ctx.out('No certificates match.');
          } else {
            ctx.out(certificateRows(records, now));
          }
        });
      },
    );

  cert.addCommand(revokeCommand(context));
  cert.addCommand(renewalWindowCommand(context));
  return cert;
}
