import { Command } from 'commander';
import { type DeviceId, type IssuerId, toDeviceId, toSerialHex } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import type { RevocationReason } from '../../core/revocation-reason.js';
import { parseCrl } from '../../pki/crl.js';
import { encodePem } from '../../pki/pem.js';
import type { RevocationSummary, RevocationTarget } from '../../ra/revocations.js';
import type { Runtime } from '../../server/runtime.js';
import type { CliContext } from '../cli-context.js';
import { isoDate } from '../format.js';
import { dateOption, issuerIdOption, revocationReasonOption } from '../options.js';
import { UsageError } from './ca-commands.js';

const OPERATOR = { kind: 'operator', name: 'cli' } as const;

/** After a revocation from the command line, the affected issuers' CRLs are republished at once. */
async function republish(runtime: Runtime, summary: RevocationSummary, ctx: CliContext): Promise<void> {
  const issuers = [
    ...new Set(summary.certificates.filter((c) => c.result === 'revoked').map((c) => c.issuerId)),
  ];
  for (const id of issuers) {
    if (!runtime.issuers.has(id)) continue;
    const crl = await runtime.crlPublisher.publish(id);
    ctx.note(`Published CRL ${crl.crlNumber} of '${id}' (next update ${crl.nextUpdate.toISOString()})`);
  }
}

function describe(summary: RevocationSummary): string {
  const parts = [`revoked ${summary.revoked} certificate(s)`];
  if (summary.alreadyRevoked > 0)
    parts.push(`${summary.alreadyRevoked} were revoked already (their first revocation stands)`);
  return parts.join('; ');
}

export function revokeCommand(context: () => CliContext): Command {
  return new Command('revoke')
    .description(
      'revoke a certificate by serial, every certificate of a device, or every certificate of an issuer',
    )
    .argument('[serial]', 'hex serial of the certificate')
    .option(
      '--issuer <id>',
      'with a serial: the issuer, when the serial exists under several',
      issuerIdOption,
    )
    .option(
      '--device <id>',
      'revoke every certificate of this device (it stays enrolled; see device decommission)',
    )
    .option(
      '--all-issued-by <id>',
      'revoke every certificate this issuer signed (issuer compromise)',
      issuerIdOption,
    )
    .option(
      '--reason <reason>',
      'RFC 5280 reason: keyCompromise, superseded, cessationOfOperation, …',
      revocationReasonOption,
      'unspecified' as RevocationReason,
    )
    .option('--invalidity-date <date>', 'when the key was (suspected) compromised, ISO 8601', dateOption)
    .action(
      async (
        serialText: string | undefined,
        options: {
          issuer?: IssuerId;
          device?: string;
          allIssuedBy?: IssuerId;
          reason: RevocationReason;
          invalidityDate?: Date;
        },
      ) => {
        const ctx = context();
        const given = [
          serialText !== undefined,
          options.device !== undefined,
          options.allIssuedBy !== undefined,
        ].filter(Boolean).length;
        if (given !== 1)
          throw new UsageError('name exactly one of: a serial, --device <id>, --all-issued-by <issuer>');
        let target: RevocationTarget;
        if (serialText !== undefined) {
          const serial = toSerialHex(serialText);
          if (!serial) throw new UsageError(`'${serialText}' is not a hex serial number`);
          target = {
            kind: 'certificate',
            serial,
            ...(options.issuer === undefined ? {} : { issuerId: options.issuer }),
          };
        } else if (options.device !== undefined) {
          const deviceId = toDeviceId(options.device);
          if (!deviceId) throw new UsageError(`'${options.device}' is not a device id`);
          target = { kind: 'device', deviceId };
        } else {
          target = { kind: 'issuer', issuerId: options.allIssuedBy! };
        }
        await ctx.withRuntime(async (runtime) => {
          const summary = await runtime.revocations.revoke(
            OPERATOR,
            target,
            options.reason,
            options.invalidityDate ?? null,
          );
          if (target.kind === 'certificate' && summary.alreadyRevoked === 1) {
            const record = (await runtime.store.certificates.findBySerial(target.serial))[0];
            ctx.out(
              `Certificate ${target.serial} was already revoked on ${isoDate(record?.revokedAt ?? null)} (${record?.revocationReason ?? 'unspecified'}); nothing changed.`,
            );
          } else if (target.kind === 'certificate' && summary.revoked === 1) {
            const revoked = summary.certificates[0]!;
            ctx.out(`Revoked certificate ${revoked.serial} of '${revoked.issuerId}' (${options.reason}).`);
          } else {
            ctx.out(`Done: ${describe(summary)}.`);
          }
          await republish(runtime, summary, ctx);
        });
      },
    );
}

export function decommissionCommand(context: () => CliContext): Command {
  return new Command('decommission')
    .description(
      'retire a device (RMA, theft, end of life): revoke all its certificates, void its tokens; its IDevID cannot onboard again',
    )
    .argument('<id>', 'device id')
    .option(
      '--reason <reason>',
      'RFC 5280 reason for the revocations',
      revocationReasonOption,
      'cessationOfOperation' as RevocationReason,
    )
    .action(async (idText: string, options: { reason: RevocationReason }) => {
      const ctx = context();
      const id: DeviceId | undefined = toDeviceId(idText);
      if (!id) throw new UsageError(`'${idText}' is not a device id`);
      await ctx.withRuntime(async (runtime) => {
        const summary = await runtime.revocations.decommission(OPERATOR, id, options.reason);
        ctx.out(
          summary.stateChanged
            ? `Device ${id} decommissioned: ${describe(summary)}; ${summary.tokensVoided} enrollment token(s) voided.`
            : `Device ${id} was decommissioned already: ${describe(summary)}; ${summary.tokensVoided} enrollment token(s) voided.`,
        );
        await republish(runtime, summary, ctx);
      });
    });
}

export function crlCommand(context: () => CliContext): Command {
  const crl = new Command('crl').description("issuers' certificate revocation lists");
  crl
    .command('publish')
    .description('sign and publish a new CRL for an online issuer now')
    .argument('<issuer>', 'issuer id', issuerIdOption)
    .action(async (issuerId: IssuerId) => {
      const ctx = context();
      await ctx.withRuntime(async (runtime) => {
        if (!runtime.issuers.has(issuerId) && (await runtime.store.issuers.get(issuerId))?.role === 'root')
          throw new PkiError(
            'NOT_FOUND',
            `'${issuerId}' is offline: sign its CRL with certfleet ca root-crl, then publish it with certfleet ca import-crl`,
          );
        const record = await runtime.crlPublisher.publish(issuerId);
        ctx.out(
          `CRL ${record.crlNumber} of '${issuerId}': ${parseCrl(record.der).entries.length} entries, next update ${record.nextUpdate.toISOString()}`,
        );
      });
    });
  crl
    .command('show')
    .description("show an issuer's current CRL (with --pem, print the CRL itself)")
    .argument('<issuer>', 'issuer id', issuerIdOption)
    .option('--pem', 'print the CRL in PEM')
    .action(async (issuerId: IssuerId, options: { pem?: boolean }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        if (!(await store.issuers.get(issuerId))) throw new PkiError('NOT_FOUND', `no issuer '${issuerId}'`);
        const record = await store.crls.latest(issuerId, 'full');
        if (!record && options.pem) throw new PkiError('NOT_FOUND', `no CRL of '${issuerId}' yet`);
        if (!record) return ctx.out(`No CRL of '${issuerId}' yet.`);
        if (options.pem) return ctx.out(encodePem('X509 CRL', record.der).trimEnd());
        const parsed = parseCrl(record.der);
        ctx.out(`CRL number:  ${record.crlNumber}`);
        ctx.out(`Issuer:      ${parsed.issuerText}`);
        ctx.out(`This update: ${isoDate(record.thisUpdate)}`);
        ctx.out(`Next update: ${isoDate(record.nextUpdate)}`);
        ctx.out(`Entries:     ${parsed.entries.length}`);
        for (const entry of parsed.entries)
          ctx.out(`  ${entry.serial}  ${isoDate(entry.revokedAt)}  ${entry.reason}`);
      });
    });
  return crl;
}
