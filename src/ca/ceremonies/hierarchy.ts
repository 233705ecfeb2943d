import type { Name } from '@peculiar/asn1-x509';
import type { Clock } from '../../core/clock.js';
import type { IssuerId } from '../../core/ids.js';
import { PkiError } from '../../core/pki-error.js';
import type { KeyAlgorithmName } from '../../pki/algorithms/key-algorithm.js';
import type { ParsedCertificate } from '../../pki/certificate.js';
import { buildCsrWithSigner, parseCsr } from '../../pki/csr.js';
import type { KeyStore } from '../../keys/signer.js';

/** The part of a key store a ceremony uses. */
type KeyCustody = Pick<KeyStore, 'generate' | 'open'>;
import type { AuditLog } from '../../store/audit-log.js';
import type { IssuerRegistry } from '../../store/issuer-registry.js';
import type { IssuerRecord } from '../../store/records.js';
import type { CrlRecord, CrlStore } from '../../store/crl-store.js';
import { parseCrl } from '../../pki/crl.js';
import { issuerRecordFor } from '../issuer-record.js';
import { OfflineRoot, type OfflineRootLocation } from './offline-root.js';

export interface IntermediatePlan {
  readonly id: IssuerId;
  readonly subject: Name;
  readonly keyAlgorithm: KeyAlgorithmName;
  /** Where the online key is created, e.g. `file:/var/lib/certfleet/keys/factory.key.pem?passphrase-source=…`. */
  readonly keyUri: string;
  readonly validitySeconds?: number;
}

export interface HierarchyPlan {
  readonly rootId: IssuerId;
  readonly offline: OfflineRootLocation;
  readonly rootSubject: Name;
  readonly rootKeyAlgorithm: KeyAlgorithmName;
  readonly rootValiditySeconds?: number;
  readonly intermediates: readonly IntermediatePlan[];
  /**
   * Where the root's CRL will be published, written into each intermediate, and how long the first one (made in
   * this ceremony, recorded for the server to serve) is valid.
   */
  readonly rootCrl?: { readonly url: string; readonly validitySeconds: number };
}

export interface HierarchyDependencies {
  /** Creates the root key in the offline folder. */
  readonly offlineKeys: KeyCustody;
  /** Creates the intermediate keys where the server will find them. */
  readonly onlineKeys: KeyCustody;
  readonly issuers: IssuerRegistry;
  readonly audit: AuditLog;
  readonly crls: CrlStore;
  readonly clock: Clock;
}

/**
 * Generates an online intermediate key and its CSR: the first half of the intermediate ceremony. The CSR goes
 * to the offline root (`certfleet ca sign-intermediate`), the certificate comes back (`certfleet ca import`).
 */
export async function requestIntermediate(keys: KeyCustody, plan: IntermediatePlan): Promise<Uint8Array> {
  const signer = await keys.generate(plan.keyUri, plan.keyAlgorithm);
  return buildCsrWithSigner({ subject: plan.subject }, signer);
}

/**
 * The whole first ceremony in one go, for a new deployment or a development PKI: an offline root in its own
 * folder, then each online intermediate's key, CSR and certificate, recorded in the issuer registry. Refuses if
 * the registry already holds issuers.
 */
export async function initHierarchy(
  plan: HierarchyPlan,
  deps: HierarchyDependencies,
): Promise<{ root: ParsedCertificate; intermediates: IssuerRecord[] }> {
  if ((await deps.issuers.list()).length > 0) {
    throw new PkiError('CONFLICT', 'a CA hierarchy exists already; use `certfleet ca list` to see it');
  }
  const root = await OfflineRoot.create(
    plan.offline,
    deps.offlineKeys,
    {
      subject: plan.rootSubject,
      keyAlgorithm: plan.rootKeyAlgorithm,
      ...(plan.rootValiditySeconds === undefined ? {} : { validitySeconds: plan.rootValiditySeconds }),
    },
    deps.clock,
  );
  const now = deps.clock.now();
  await deps.issuers.add(
    issuerRecordFor(root.certificate, {
      id: plan.rootId,
      role: 'root',
      parentId: null,
      keyUri: null,
      createdAt: now,
    }),
  );
  await deps.audit.append({
    at: now,
    event: 'ceremony.root.created',
    actor: 'operator:ceremony',
    subject: `issuer:${plan.rootId}`,
    data: { subject: root.certificate.subjectText, fingerprintSha256: root.certificate.fingerprintSha256 },
  });

  const intermediates: IssuerRecord[] = [];
  for (const intermediate of plan.intermediates) {
    const csr = parseCsr(await requestIntermediate(deps.onlineKeys, intermediate));
    const certificate = await root.signIntermediate(csr, {
      ...(intermediate.validitySeconds === undefined
        ? {}
        : { validitySeconds: intermediate.validitySeconds }),
      ...(plan.rootCrl === undefined ? {} : { crlUrl: plan.rootCrl.url }),
    });
    const record = issuerRecordFor(certificate, {
      id: intermediate.id,
      role: 'intermediate',
      parentId: plan.rootId,
      keyUri: intermediate.keyUri,
      createdAt: deps.clock.now(),
    });
    await deps.issuers.add(record);
    await deps.audit.append({
      at: deps.clock.now(),
      event: 'ceremony.intermediate.signed',
      actor: 'operator:ceremony',
      subject: `issuer:${intermediate.id}`,
      data: {
        subject: certificate.subjectText,
        serial: certificate.serial,
        fingerprintSha256: certificate.fingerprintSha256,
      },
    });
    intermediates.push(record);
  }
  if (plan.rootCrl) await publishRootCrl(root, plan.rootId, plan.rootCrl.validitySeconds, deps.crls);
  return { root: root.certificate, intermediates };
}

/** Signs the root's CRL in the ceremony and records it, so the server serves it at the URL intermediates carry. */
export async function publishRootCrl(
  root: OfflineRoot,
  rootId: IssuerId,
  validitySeconds: number,
  crls: CrlStore,
): Promise<CrlRecord> {
  const record = crlRecordOf(rootId, await root.signCrl(validitySeconds));
  await crls.add(record);
  return record;
}

/** The store record of a CRL signed elsewhere (the offline root). */
export function crlRecordOf(issuerId: IssuerId, der: Uint8Array): CrlRecord {
  const crl = parseCrl(der);
  if (crl.crlNumber === undefined || crl.nextUpdate === undefined) {
    throw new PkiError('MALFORMED_INPUT', 'the CRL lacks a CRL number or nextUpdate');
  }
  return {
    issuerId,
    crlNumber: crl.crlNumber,
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    der: crl.der,
    baseCrlNumber: null,
  };
}
