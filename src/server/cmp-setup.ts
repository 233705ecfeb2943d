import type { Logger } from 'pino';
import { toIssuerId, type IssuerId } from '../core/ids.js';
import { PkiError } from '../core/pki-error.js';
import type { IssuedCertificate } from '../ca/issue-order.js';
import { parseCertificate } from '../pki/certificate.js';
import { bytesEqual } from '../pki/der.js';
import { RenewingCredentials } from '../pki/renewing-credentials.js';
import type { CmpLabel } from '../protocols/cmp/cmp-label.js';
import type { CmpPluginOptions } from '../protocols/cmp/cmp-plugin.js';
import { CmpResponder } from '../protocols/cmp/cmp-responder.js';
import { EnrollmentHandler } from '../protocols/cmp/enrollment-handler.js';
import {
  GeneralMessageHandler,
  type GeneralMessageSources,
  type RootUpdate,
} from '../protocols/cmp/general-message-handler.js';
import { RevocationHandler } from '../protocols/cmp/revocation-handler.js';
import type { IssuerRecord } from '../store/records.js';
import type { Runtime } from './runtime.js';

/** The CMP front end's view of the runtime, and the periodic sweep of transactions past their time. */
export interface CmpSetup {
  readonly options: CmpPluginOptions;
  readonly responder: CmpResponder;
}

export function cmpSetup(runtime: Runtime, logger: Logger): CmpSetup {
  const { config, store, clock } = runtime;
  const labels = cmpLabels(runtime);
  const signerIssuer = issuerId(config.pki.defaultIssuers.ldevid, '/pki/defaultIssuers/ldevid');
  // One protection credential per node (RFC 9483 §3.3: id-kp-cmcRA), issued by the operational issuer.
  const signing = new RenewingCredentials<'cmp', IssuedCertificate>({
    issue: (_key, csr) =>
      runtime.ra.requestCertificate(
        { kind: 'service', name: 'cmp' },
        {
          csr,
          profile: 'cmp-ra',
          issuerId: signerIssuer,
          validitySeconds: config.cmp.signingValiditySeconds,
          protocol: 'internal',
          operation: 'cmp-ra',
        },
      ),
    commonName: () => 'certfleet CMP server',
    clock,
  });
  const enrollment = new EnrollmentHandler(
    {
      ra: runtime.ra,
      revocations: runtime.revocations,
      transactions: store.cmpTransactions,
      certificates: store.certificates,
      clock,
    },
    {
      // Twice the messageTime window: a replay old enough to pass the time check still finds its id taken.
      retentionSeconds: 2 * config.cmp.messageTimeToleranceSeconds,
      confirmWaitSeconds: config.cmp.confirmWaitSeconds,
      heldSeconds: config.cmp.heldRequestSeconds,
    },
  );
  const responder = new CmpResponder(
    {
      ra: runtime.ra,
      enrollment,
      revocation: new RevocationHandler({ revocations: runtime.revocations }),
      generalMessages: new GeneralMessageHandler({ ra: runtime.ra, sources: generalMessageSources(runtime) }),
      secretFor: (reference) =>
        /^tok_[0-9a-f]{12}$/.test(reference)
          ? Buffer.from(runtime.tokenSecrets.secretFor(reference), 'utf8')
          : undefined,
      signingCredential: () => signing.get('cmp'),
      clock,
      log: logger,
    },
    {
      messageTimeToleranceSeconds: config.cmp.messageTimeToleranceSeconds,
      maxIterations: config.cmp.maxMacIterations,
    },
  );
  return {
    responder,
    options: { labels, responder, ra: runtime.ra, maxBodyBytes: config.cmp.maxBodyBytes },
  };
}

function cmpLabels(runtime: Runtime): ReadonlyMap<string, CmpLabel> {
  const { config } = runtime;
  const labels = new Map<string, CmpLabel>();
  for (const [name, label] of Object.entries(config.cmp.labels)) {
    labels.set(name, {
      name,
      profile: label.profile,
      issuerId: issuerId(
        label.issuer ?? config.pki.defaultIssuers[label.profile],
        `/cmp/labels/${name}/issuer`,
      ),
      credentials: label.credentials,
      manualApproval: label.manualApproval ?? false,
      implicitConfirm: label.implicitConfirm ?? true,
    });
  }
  return labels;
}

function generalMessageSources(runtime: Runtime): GeneralMessageSources {
  return {
    caCertificates: (label) => {
      const issuer = runtime.issuers.get(label.issuerId);
      if (!issuer) throw new PkiError('UNAVAILABLE', `the issuer of CMP label ${label.name} is not online`);
      return [issuer.certificate.der, ...issuer.chain];
    },
    rootUpdate: async (currentRoot) => rootUpdateFor(await runtime.store.issuers.list(), currentRoot),
    currentCrl: async (source) => {
      const issuers = await runtime.store.issuers.list();
      const base = `${runtime.config.pki.publicBaseUrl}/crl/`;
      const issuer = issuers.find((record) =>
        source.issuerNameDer !== undefined
          ? bytesEqual(parseCertificate(record.certificateDer).subjectDer, source.issuerNameDer)
          : source.url === `${base}${record.id}.crl`,
      );
      const crl = issuer ? await runtime.store.crls.latest(issuer.id, 'full') : undefined;
      return crl ? { der: crl.der, thisUpdate: crl.thisUpdate } : undefined;
    },
    keyAlgorithm: (label) => runtime.profiles.profile(label.profile).keyAlgorithms[0] ?? 'ec-p256',
  };
}

/**
 * RFC 9810 §5.3.19.15: the newest active root other than the client's, with the link certificates the deployment
 * holds for it (imported as issuers: NewWithOld has the new root's key and the old root as parent; OldWithNew the
 * reverse). Undefined when the client's root is the newest or is not one of ours.
 */
export function rootUpdateFor(
  issuers: readonly IssuerRecord[],
  currentRoot: Uint8Array,
): RootUpdate | undefined {
  const roots = issuers.filter((record) => record.role === 'root');
  const old = roots.find((record) => bytesEqual(record.certificateDer, currentRoot));
  if (!old) return undefined;
  const newest = roots
    .filter(
      (record) => record.status === 'active' && record.id !== old.id && record.notBefore > old.notBefore,
    )
    .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime())[0];
  if (!newest) return undefined;
  const link = (key: IssuerRecord, parent: IssuerRecord) =>
    issuers.find(
      (r) => r.subjectKeyIdHex === key.subjectKeyIdHex && r.parentId === parent.id && r.id !== key.id,
    )?.certificateDer;
  const newWithOld = link(newest, old);
  const oldWithNew = link(old, newest);
  return {
    newWithNew: newest.certificateDer,
    ...(newWithOld === undefined ? {} : { newWithOld }),
    ...(oldWithNew === undefined ? {} : { oldWithNew }),
  };
}

function issuerId(text: string, path: string): IssuerId {
  const id = toIssuerId(text);
  if (!id) throw new PkiError('CONFIG_INVALID', `${path}: '${text}' is not an issuer id`);
  return id;
}
