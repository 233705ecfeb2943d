import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { IssuerId } from '../../core/ids.js';
import { importCrl } from '../../ca/ceremonies/import-crl.js';
import { importIssuer } from '../../ca/ceremonies/import-issuer.js';
import { requestIntermediate } from '../../ca/ceremonies/hierarchy.js';
import { OfflineRoot, ROOT_PASSPHRASE_FILE } from '../../ca/ceremonies/offline-root.js';
import type { KeyAlgorithmName } from '../../pki/algorithms/key-algorithm.js';
import { parseCsr } from '../../pki/csr.js';
import { parseCrl } from '../../pki/crl.js';
import { parseCertificate } from '../../pki/certificate.js';
import { PkiError } from '../../core/pki-error.js';
import { redactKeyUri } from '../../keys/key-uri.js';
import { parseDistinguishedName } from '../../pki/name.js';
import { encodePem } from '../../pki/pem.js';
import { createPassphraseFile } from '../../keys/passphrase-file.js';
import {
  DEVELOPMENT_HIERARCHY,
  onlineKeyPaths,
  ROOT_CRL_VALIDITY_SECONDS,
  setUpHierarchy,
} from '../../server/hierarchy-setup.js';
import { keyStoreFor } from '../../server/runtime.js';
import type { CliContext } from '../cli-context.js';
import { readInputFile } from '../input-file.js';
import { certificateDetails, issuerRows } from '../format.js';
import { durationOption, issuerIdOption, keyAlgorithmOption, revocationReasonOption } from '../options.js';
import { toSerialHex } from '../../core/ids.js';
import type { RevocationReason } from '../../core/revocation-reason.js';

export function caCommand(context: () => CliContext): Command {
  const ca = new Command('ca').description('manage the CA hierarchy: offline root, online intermediates');

  ca.command('init')
    .description('create an offline root and the factory (IDevID) and operational (LDevID) intermediates')
    .option('--org <name>', 'organization name in the CA subjects', DEVELOPMENT_HIERARCHY.organization)
    .option('--root-cn <name>', 'common name of the root', DEVELOPMENT_HIERARCHY.rootCommonName)
    .option(
      '--root-key <algorithm>',
      'root key type',
      keyAlgorithmOption,
      DEVELOPMENT_HIERARCHY.rootKeyAlgorithm,
    )
    .option(
      '--intermediate-key <algorithm>',
      'intermediate key type',
      keyAlgorithmOption,
      DEVELOPMENT_HIERARCHY.intermediateKeyAlgorithm,
    )
    .option(
      '--root-passphrase-source <ref>',
      'env:NAME or file:/path holding the root key passphrase (default: a new random passphrase file in the offline folder)',
    )
    .option(
      '--factory-id <id>',
      'issuer id of the factory intermediate',
      issuerIdOption,
      issuerIdOption('factory'),
    )
    .option(
      '--operational-id <id>',
      'issuer id of the operational intermediate',
      issuerIdOption,
      issuerIdOption('operational'),
    )
    .addHelpText(
      'after',
      '\nThe root key is written to pki.offlineRootDir, which the server never reads: move it to an air-gapped machine.',
    )
    .action(
      async (options: {
        org: string;
        rootCn: string;
        rootKey: KeyAlgorithmName;
        intermediateKey: KeyAlgorithmName;
        rootPassphraseSource?: string;
        factoryId: IssuerId;
        operationalId: IssuerId;
      }) => {
        const ctx = context();
        await ctx.withStore(async (store, config) => {
          const { root, intermediates } = await setUpHierarchy(
            config,
            store,
            {
              organization: options.org,
              rootCommonName: options.rootCn,
              rootKeyAlgorithm: options.rootKey,
              intermediateKeyAlgorithm: options.intermediateKey,
              factoryId: options.factoryId,
              operationalId: options.operationalId,
              ...(options.rootPassphraseSource === undefined
                ? {}
                : { rootPassphraseSource: options.rootPassphraseSource }),
            },
            ctx.io.clock,
            ctx.io.env,
          );
          ctx.out(`Root CA:  ${root.subjectText}`);
          ctx.out(`  SHA-256 ${root.fingerprintSha256}`);
          ctx.out(
            `  offline folder ${config.pki.offlineRootDir} (the server never reads it; keep it offline)`,
          );
          for (const i of intermediates)
            ctx.out(`Intermediate '${i.id}': ${i.subject}, valid until ${i.notAfter.toISOString()}`);
        });
      },
    );

  ca.command('csr')
    .description('create a new online intermediate key and its CSR, for signing by the offline root')
    .requiredOption('--id <id>', 'issuer id for the new intermediate', issuerIdOption)
    .requiredOption('--subject <dn>', 'subject, RFC 4514 (e.g. "CN=Acme Sensors CA,O=Acme")')
    .option('--key-algorithm <algorithm>', 'key type', keyAlgorithmOption, 'ec-p256' as KeyAlgorithmName)
    .option('--out <file>', 'write the CSR here instead of standard output')
    .action(
      async (options: { id: IssuerId; subject: string; keyAlgorithm: KeyAlgorithmName; out?: string }) => {
        const ctx = context();
        const config = await ctx.config();
        const subject = parseDistinguishedName(options.subject);
        const paths = onlineKeyPaths(config, options.id);
        const passphraseSource = await createPassphraseFile(paths.passphraseFile);
        const keyUri = `file:${paths.keyFile}?passphrase-source=${passphraseSource}`;
        const csr = await requestIntermediate(keyStoreFor(ctx.io.env), {
          id: options.id,
          subject,
          keyAlgorithm: options.keyAlgorithm,
          keyUri,
        });
        const pem = encodePem('CERTIFICATE REQUEST', csr);
        if (options.out === undefined) ctx.out(pem.trimEnd());
        else await writeFile(resolve(ctx.io.cwd, options.out), pem);
        ctx.note(`Key created: ${keyUri}`);
        ctx.note(`Next: sign the CSR with the offline root (certfleet ca sign-intermediate), then`);
        ctx.note(
          `  certfleet ca import --id ${options.id} --role intermediate --cert <signed.pem> --key-uri '${keyUri}'`,
        );
      },
    );

  ca.command('sign-intermediate')
    .description('sign an intermediate CA CSR with the offline root (run on the air-gapped machine)')
    .requiredOption('--offline-dir <dir>', 'the offline root folder')
    .requiredOption('--csr <file>', 'the intermediate CSR (PEM or DER)')
    .option('--out <file>', 'write the certificate here instead of standard output')
    .option('--subject <dn>', "override the CSR's subject (RFC 4514)")
    .option(
      '--validity <duration>',
      'lifetime, e.g. 10y (default: the intermediate-ca profile default)',
      durationOption,
    )
    .option('--crl-url <url>', "where the root's CRL will be published")
    .option(
      '--passphrase-source <ref>',
      `root key passphrase reference (default: file:<offline-dir>/${ROOT_PASSPHRASE_FILE})`,
    )
    .action(
      async (options: {
        offlineDir: string;
        csr: string;
        out?: string;
        subject?: string;
        validity?: number;
        crlUrl?: string;
        passphraseSource?: string;
      }) => {
        const ctx = context();
        const root = await openRoot(ctx, options.offlineDir, options.passphraseSource);
        const csr = parseCsr(await readInputFile(ctx.io.cwd, options.csr, 'CSR'));
        const cert = await root.signIntermediate(csr, {
          ...(options.subject === undefined ? {} : { subject: parseDistinguishedName(options.subject) }),
          ...(options.validity === undefined ? {} : { validitySeconds: options.validity }),
          ...(options.crlUrl === undefined ? {} : { crlUrl: options.crlUrl }),
        });
        const pem = encodePem('CERTIFICATE', cert.der);
        if (options.out === undefined) ctx.out(pem.trimEnd());
        else await writeFile(resolve(ctx.io.cwd, options.out), pem, { mode: 0o644 });
        ctx.note(
          `Signed ${cert.subjectText}, serial ${cert.serial}, valid until ${cert.notAfter.toISOString()}`,
        );
      },
    );

  ca.command('import')
    .description('register an existing root (certificate only) or intermediate (certificate and key URI)')
    .requiredOption('--id <id>', 'issuer id', issuerIdOption)
    .requiredOption('--role <role>', 'root or intermediate')
    .requiredOption('--cert <file>', 'the CA certificate (PEM or DER)')
    .option(
      '--key-uri <uri>',
      "intermediate only: the key's URI, e.g. file:/path/key.pem?passphrase-source=env:NAME",
    )
    .action(async (options: { id: IssuerId; role: string; cert: string; keyUri?: string }) => {
      const ctx = context();
      if (options.role !== 'root' && options.role !== 'intermediate') {
        throw new UsageError(`--role must be root or intermediate, not '${options.role}'`);
      }
      const role = options.role;
      const certificate = await readInputFile(ctx.io.cwd, options.cert, 'certificate');
      await ctx.withStore(async (store) => {
        const record = await importIssuer(
          { id: options.id, role, certificate, keyUri: options.keyUri ?? null },
          { issuers: store.issuers, keys: keyStoreFor(ctx.io.env), audit: store.audit, clock: ctx.io.clock },
        );
        ctx.out(`Imported ${record.role} '${record.id}': ${record.subject}`);
      });
    });

  ca.command('list')
    .description('list the issuers this deployment knows')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const issuers = await store.issuers.list();
        if (options.json) {
          ctx.out(
            JSON.stringify(
              issuers.map(({ certificateDer: _der, ...rest }) => rest),
              null,
              2,
            ),
          );
        } else if (issuers.length === 0) {
          ctx.out(
            'No issuers yet: run `certfleet ca init` (or start the server once for a development PKI).',
          );
        } else {
          ctx.out(issuerRows(issuers));
        }
      });
    });

  ca.command('revoke-intermediate')
    .description(
      'record in the offline root folder that the root revokes a certificate it signed (air-gapped)',
    )
    .requiredOption('--offline-dir <dir>', 'the offline root folder')
    .requiredOption('--serial <hex>', 'serial of the intermediate certificate')
    .option('--reason <reason>', 'RFC 5280 reason', revocationReasonOption, 'unspecified' as RevocationReason)
    .option(
      '--passphrase-source <ref>',
      `root key passphrase reference (default: file:<offline-dir>/${ROOT_PASSPHRASE_FILE})`,
    )
    .action(
      async (options: {
        offlineDir: string;
        serial: string;
        reason: RevocationReason;
        passphraseSource?: string;
      }) => {
        const ctx = context();
        const serial = toSerialHex(options.serial);
        if (!serial) throw new UsageError(`'${options.serial}' is not a hex serial number`);
        const root = await openRoot(ctx, options.offlineDir, options.passphraseSource);
        const result = await root.revoke(serial, options.reason);
        ctx.out(
          result === 'revoked'
            ? `Recorded: the root revokes ${serial}. Now sign a CRL: certfleet ca root-crl.`
            : `${serial} was revoked already.`,
        );
      },
    );

  ca.command('root-crl')
    .description("sign the offline root's CRL (air-gapped); publish it with ca import-crl on the server")
    .requiredOption('--offline-dir <dir>', 'the offline root folder')
    .requiredOption('--out <file>', 'where to write the CRL (DER)')
    .addOption(
      new Option('--validity <duration>', 'until nextUpdate')
        .argParser(durationOption)
        .default(ROOT_CRL_VALIDITY_SECONDS, `${ROOT_CRL_VALIDITY_SECONDS / 86_400}d`),
    )
    .option(
      '--passphrase-source <ref>',
      `root key passphrase reference (default: file:<offline-dir>/${ROOT_PASSPHRASE_FILE})`,
    )
    .action(
      async (options: { offlineDir: string; out: string; validity: number; passphraseSource?: string }) => {
        const ctx = context();
        const root = await openRoot(ctx, options.offlineDir, options.passphraseSource);
        const der = await root.signCrl(options.validity);
        await writeFile(resolve(ctx.io.cwd, options.out), der, { mode: 0o644 });
        const crl = parseCrl(der);
        ctx.out(
          `Root CRL ${crl.crlNumber}: ${crl.entries.length} entries, next update ${crl.nextUpdate?.toISOString() ?? '-'}`,
        );
      },
    );

  ca.command('import-crl')
    .description("publish a CRL signed elsewhere (the offline root's) so the server serves it")
    .requiredOption('--crl <file>', 'the CRL (DER or PEM)')
    .option('--issuer <id>', 'the issuer that signed it', issuerIdOption, issuerIdOption('root'))
    .action(async (options: { crl: string; issuer: IssuerId }) => {
      const ctx = context();
      const der = await readInputFile(ctx.io.cwd, options.crl, 'CRL');
      await ctx.withStore(async (store) => {
        const imported = await importCrl(options.issuer, der, {
          issuers: store.issuers,
          crls: store.crls,
          audit: store.audit,
          clock: ctx.io.clock,
        });
        const { record } = imported;
        ctx.out(
          `Published CRL ${record.crlNumber} of '${options.issuer}' (${imported.entries} entries, next update ${record.nextUpdate.toISOString()}).`,
        );
        for (const id of imported.retired)
          ctx.out(
            `Intermediate '${id}' is revoked by this CRL: retired, it signs nothing more once each server restarts. Revoke what it issued: certfleet cert revoke --all-issued-by ${id}`,
          );
      });
    });

  ca.command('show')
    .description("show an issuer's certificate; with --pem print only the PEM (e.g. for openssl -untrusted)")
    .argument('<id>', 'issuer id', issuerIdOption)
    .option('--pem', 'print only the certificate in PEM')
    .action(async (id: IssuerId, options: { pem?: boolean }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        const issuer = await store.issuers.get(id);
        if (!issuer) throw new PkiError('NOT_FOUND', `no issuer '${id}'`);
        if (options.pem) {
          ctx.out(encodePem('CERTIFICATE', issuer.certificateDer).trimEnd());
          return;
        }
        ctx.out(certificateDetails(parseCertificate(issuer.certificateDer), undefined));
        ctx.out(
          `Role:               ${issuer.role}${issuer.parentId === null ? '' : ` (signed by '${issuer.parentId}')`}`,
        );
        ctx.out(`Status:             ${issuer.status}`);
        ctx.out(
          `Key:                ${issuer.keyUri === null ? 'not held by this deployment' : redactKeyUri(issuer.keyUri)}`,
        );
      });
    });

  return ca;
}

/** A command-line mistake the parser could not catch; exits 2 like commander's own. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function openRoot(
  ctx: CliContext,
  offlineDir: string,
  passphraseSource?: string,
): Promise<OfflineRoot> {
  const dir = resolve(ctx.io.cwd, offlineDir);
  return OfflineRoot.open(
    { dir, passphraseSource: passphraseSource ?? `file:${join(dir, ROOT_PASSPHRASE_FILE)}` },
    keyStoreFor(ctx.io.env),
    ctx.io.clock,
  );
}
