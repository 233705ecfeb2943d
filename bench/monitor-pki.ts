/**
 * The test PKI of bench/monitor: a root, an issuing CA, and one leaf per endpoint, so every probe does the work
 * a real one does (a distinct certificate to parse, a chain to validate, a name to match, a record to link).
 * Most endpoints are healthy; some serve an expired leaf, some a leaf for another name, and some a chain whose
 * intermediate expires before the leaf (where "earliest expiry in the chain", blackbox_exporter's figure, and
 * "the leaf's notAfter", certfleet's, differ on purpose).
 */
import { createHash } from 'node:crypto';
import type { DeviceId, IssuerId } from '../src/core/ids.js';
import { OID } from '../src/pki/oids.js';
import { encodePem } from '../src/pki/pem.js';
import type { PreparedCertificate } from '../src/store/records.js';
import type { Store } from '../src/store/store.js';
import { issuerRecordOf, makeTestCertificate, type TestCredential } from '../test/helpers/pki-fixtures.js';

const DAY_MS = 86_400_000;
const ROOT_ID = 'bench-root' as IssuerId;
const ISSUING_ID = 'bench-issuing' as IssuerId;
const SHORT_ID = 'bench-short-lived' as IssuerId;

/**
 * - `valid`: chains to the root, names the SNI, not expired;
 * - `expired`: the leaf's notAfter is in the past (path validation fails, the name matches);
 * - `wrong-host`: a valid chain for another name (the name check fails);
 * - `short-intermediate`: valid, but issued by an intermediate that expires before the leaf.
 */
export type EndpointCase = 'valid' | 'expired' | 'wrong-host' | 'short-intermediate';

export interface BenchEndpoint {
  /** `ep-0001`: the monitor's endpoint name and blackbox_exporter's module name. */
  readonly name: string;
  /** Sent as SNI by both tools. */
  readonly sni: string;
  readonly case: EndpointCase;
  /** Leaf then intermediate, PEM: what the server presents. */
  readonly chainPem: string;
  readonly keyPem: string;
  readonly leaf: TestCredential;
  readonly issuerId: IssuerId;
  /** The leaf's notAfter, whole seconds. */
  readonly leafNotAfter: Date;
  /** The earliest notAfter of the presented chain (what blackbox_exporter reports). */
  readonly earliestNotAfter: Date;
}

export interface BenchPki {
  readonly root: TestCredential;
  readonly rootPem: string;
  readonly issuing: TestCredential;
  readonly shortLived: TestCredential;
  readonly endpoints: readonly BenchEndpoint[];
}

/** Of every 20 endpoints: 2 expired, 2 for another name, 1 under the short-lived intermediate, 15 valid. */
export function endpointCaseOf(index: number): EndpointCase {
  const slot = index % 20;
  if (slot < 2) return 'expired';
  if (slot < 4) return 'wrong-host';
  if (slot === 4) return 'short-intermediate';
  return 'valid';
}

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** Makes the hierarchy and `count` endpoints' leaves, with validity relative to `now`. */
export function makeBenchPki(count: number, now: Date): BenchPki {
  const nowMs = now.getTime();
  const root = makeTestCertificate({
    subject: 'certfleet bench Root',
    ca: true,
    notBefore: wholeSeconds(nowMs - 1000 * DAY_MS),
    notAfter: wholeSeconds(nowMs + 7300 * DAY_MS),
  });
  const issuing = makeTestCertificate({
    subject: 'certfleet bench Issuing CA',
    ca: true,
    pathLength: 0,
    issuer: root,
    notBefore: wholeSeconds(nowMs - 1000 * DAY_MS),
    notAfter: wholeSeconds(nowMs + 3650 * DAY_MS),
  });
  const shortLived = makeTestCertificate({
    subject: 'certfleet bench Short-lived CA',
    ca: true,
    pathLength: 0,
    issuer: root,
    notBefore: wholeSeconds(nowMs - 10 * DAY_MS),
    notAfter: wholeSeconds(nowMs + 20 * DAY_MS),
  });
  const endpoints = Array.from({ length: count }, (_, index): BenchEndpoint => {
    const name = `ep-${String(index + 1).padStart(4, '0')}`;
    const sni = `${name}.bench.test`;
    const kind = endpointCaseOf(index);
    const issuer = kind === 'short-intermediate' ? shortLived : issuing;
    // Distinct expiries (whole seconds apart), so agreement is checked endpoint by endpoint.
    const notAfter =
      kind === 'expired'
        ? wholeSeconds(nowMs - (1 + (index % 90)) * DAY_MS - index * 1000)
        : wholeSeconds(nowMs + (30 + ((index * 7) % 700)) * DAY_MS + index * 1000);
    const leaf = makeTestCertificate({
      subject: sni,
      issuer,
      altNames: [{ type: 'dns', value: kind === 'wrong-host' ? `other-${name}.bench.test` : sni }],
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: [OID.serverAuth],
      notBefore: wholeSeconds(Math.min(nowMs - DAY_MS, notAfter.getTime() - 400 * DAY_MS)),
      notAfter,
    });
    const earliestMs = Math.min(notAfter.getTime(), issuer.cert.notAfter.getTime());
    return {
      name,
      sni,
      case: kind,
      chainPem: encodePem('CERTIFICATE', leaf.cert.der) + encodePem('CERTIFICATE', issuer.cert.der),
      keyPem: leaf.key.material.export({ format: 'pem', type: 'pkcs8' }).toString(),
      leaf,
      issuerId: kind === 'short-intermediate' ? SHORT_ID : ISSUING_ID,
      leafNotAfter: notAfter,
      earliestNotAfter: new Date(earliestMs),
    };
  });
  return { root, rootPem: encodePem('CERTIFICATE', root.cert.der), issuing, shortLived, endpoints };
}

/**
 * Records the issuers (the root is the monitor's trust anchor) and every leaf as issued, so the monitor links
 * each observed leaf to its certificate record: the store lookup a real deployment's probes make.
 */
export async function recordBenchPki(store: Pick<Store, 'issuers' | 'ledger'>, pki: BenchPki, at: Date) {
  await store.issuers.add(issuerRecordOf(ROOT_ID, pki.root, null, at));
  await store.issuers.add(issuerRecordOf(ISSUING_ID, pki.issuing, ROOT_ID, at));
  await store.issuers.add(issuerRecordOf(SHORT_ID, pki.shortLived, ROOT_ID, at));
  const prepared = pki.endpoints.map((e): PreparedCertificate => ({
    issuerId: e.issuerId,
    serial: e.leaf.cert.serial,
    profile: 'tls-server',
    subject: e.leaf.cert.subjectText,
    sans: [`dns:${e.case === 'wrong-host' ? `other-${e.name}.bench.test` : e.sni}`],
    deviceId: `bench-${e.name}` as DeviceId,
    notBefore: e.leaf.cert.notBefore,
    notAfter: e.leaf.cert.notAfter,
    keyAlgorithm: 'ec-p256',
    spkiSha256: createHash('sha256').update(e.leaf.cert.spkiDer).digest('hex'),
    requestedVia: 'bench',
  }));
  const refused = await store.ledger.recordPrepared(prepared, at);
  if (refused.length > 0) throw new Error(`serials refused by the ledger: ${refused.join(', ')}`);
  await store.ledger.recordSigned(
    pki.endpoints.map((e) => ({
      issuerId: e.issuerId,
      serial: e.leaf.cert.serial,
      der: e.leaf.cert.der,
      fingerprintSha256: e.leaf.cert.fingerprintSha256,
    })),
    at,
    (signed) => ({
      at,
      event: 'cert.issued',
      actor: 'bench',
      subject: `cert:${signed.issuerId}/${signed.serial}`,
      data: {},
    }),
  );
}
