import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPkiError } from '../../core/pki-error.js';
import type { KeyAlgorithmName } from '../algorithms/key-algorithm.js';
import { parseAltName } from '../general-names.js';
import { parseDistinguishedName } from '../name.js';
import { buildName } from '../name.js';
import { builtinProfile, profileByName } from './builtin-profiles.js';
import type { ProfileName } from './certificate-profile.js';
import { checkProfile } from './check-profile.js';

const DAY = 86_400;

interface Case {
  readonly profile: ProfileName;
  readonly subject: string | null;
  readonly sans?: readonly string[];
  readonly key?: KeyAlgorithmName;
  readonly validitySeconds?: number;
  /** The rule expected to be broken, or null when the request fits. */
  readonly rule: string | null;
}

const cases: readonly Case[] = [
  { profile: 'root-ca', subject: 'CN=Acme Root,O=Acme', key: 'ec-p384', rule: null },
  { profile: 'root-ca', subject: 'O=Acme', key: 'ec-p384', rule: 'root-ca.subject.required' },
  { profile: 'root-ca', subject: 'CN=Acme Root', key: 'rsa-2048', rule: 'root-ca.key-algorithm' },
  { profile: 'root-ca', subject: 'CN=Acme Root', sans: ['dns:root.example'], rule: 'root-ca.san.type' },
  { profile: 'intermediate-ca', subject: 'CN=Acme Factory CA', rule: null },
  {
    profile: 'intermediate-ca',
    subject: 'CN=Acme Factory CA',
    validitySeconds: 25 * 365 * DAY,
    rule: 'intermediate-ca.validity.max',
  },
  { profile: 'idevid', subject: 'serialNumber=SN-1,CN=sensor,O=Acme', rule: null },
  { profile: 'idevid', subject: 'CN=sensor', rule: 'idevid.subject.required' },
  { profile: 'idevid', subject: 'serialNumber=SN-1,title=boss', rule: 'idevid.subject.attribute' },
  {
    profile: 'idevid',
    subject: 'serialNumber=SN-1',
    sans: ['hardwareModuleName:1.3.6.1.4.1.99999.1:0a0b'],
    rule: null,
  },
  { profile: 'idevid', subject: 'serialNumber=SN-1', sans: ['dns:x.example'], rule: 'idevid.san.type' },
  { profile: 'ldevid', subject: null, sans: ['uri:urn:dev:ops:acme-1'], rule: null },
  {
    profile: 'ldevid',
    subject: 'CN=dev',
    sans: ['uri:urn:dev:ops:acme-1'],
    validitySeconds: 3600,
    rule: null,
  },
  {
    profile: 'ldevid',
    subject: 'CN=dev',
    sans: ['uri:urn:dev:ops:acme-1'],
    validitySeconds: 90 * DAY,
    rule: null,
  },
  { profile: 'ldevid', subject: 'CN=dev', sans: ['dns:dev.example'], rule: 'ldevid.san.required' },
  { profile: 'ldevid', subject: 'CN=dev', rule: 'ldevid.san.required' },
  {
    profile: 'ldevid',
    subject: 'CN=dev',
    sans: ['uri:urn:x:1'],
    validitySeconds: 91 * DAY,
    rule: 'ldevid.validity.max',
  },
  {
    profile: 'ldevid',
    subject: 'CN=dev',
    sans: ['uri:urn:x:1'],
    validitySeconds: 3599,
    rule: 'ldevid.validity.min',
  },
  {
    profile: 'ldevid',
    subject: 'CN=dev',
    sans: ['uri:urn:x:1'],
    key: 'rsa-4096',
    rule: 'ldevid.key-algorithm',
  },
  {
    profile: 'ldevid',
    subject: 'CN=dev',
    sans: ['uri:urn:x:1', 'dns:*.wild.example'],
    rule: 'ldevid.san.wildcard',
  },
  { profile: 'tls-server', subject: 'CN=broker.example', sans: ['dns:broker.example'], rule: null },
  { profile: 'tls-server', subject: null, sans: ['dns:*.gw.example', 'ip:192.0.2.1'], rule: null },
  {
    profile: 'tls-server',
    subject: 'CN=other.example',
    sans: ['dns:broker.example'],
    rule: 'tls-server.subject.cn-not-in-san',
  },
  { profile: 'tls-server', subject: 'CN=x', rule: 'tls-server.san.required' },
  { profile: 'tls-server', subject: null, sans: ['uri:urn:x:1'], rule: 'tls-server.san.type' },
  {
    profile: 'tls-server',
    subject: null,
    sans: ['dns:a.example'],
    validitySeconds: 398 * DAY,
    rule: 'tls-server.validity.max',
  },
  { profile: 'code-signing', subject: 'CN=Firmware signer,O=Acme', key: 'ec-p384', rule: null },
  { profile: 'code-signing', subject: 'CN=Firmware signer', rule: 'code-signing.subject.required' },
  {
    profile: 'code-signing',
    subject: 'CN=Firmware signer,O=Acme',
    key: 'rsa-2048',
    rule: 'code-signing.key-algorithm',
  },
  { profile: 'code-signing', subject: null, rule: 'code-signing.subject.empty' },
];

test('each profile accepts what fits and names the rule a request breaks', () => {
  for (const c of cases) {
    const content = {
      subject: c.subject === null ? buildName([]) : parseDistinguishedName(c.subject),
      altNames: (c.sans ?? []).map(parseAltName),
      keyAlgorithm: c.key ?? 'ec-p256',
      ...(c.validitySeconds === undefined ? {} : { validitySeconds: c.validitySeconds }),
    };
    const label = `${c.profile} ${c.subject ?? '(empty)'} ${(c.sans ?? []).join(' ')} ${c.key ?? ''} ${c.validitySeconds ?? ''}`;
    if (c.rule === null) {
      assert.doesNotThrow(() => checkProfile(builtinProfile(c.profile), content), label);
    } else {
      assert.throws(
        () => checkProfile(builtinProfile(c.profile), content),
        (e) =>
          isPkiError(e, 'POLICY_VIOLATION') &&
          e.details['rule'] === c.rule &&
          e.message.startsWith(`${c.profile} profile: `),
        label,
      );
    }
  }
});

test('decisions: default validity, RSA key usage, critical SAN for an empty subject', () => {
  const ldevid = checkProfile(builtinProfile('ldevid'), {
    subject: buildName([]),
    altNames: [parseAltName('uri:urn:x:1')],
    keyAlgorithm: 'ec-p256',
  });
  assert.equal(ldevid.validitySeconds, 30 * DAY);
  assert.equal(ldevid.altNamesCritical, true);
  const tls = checkProfile(builtinProfile('tls-server'), {
    subject: parseDistinguishedName('CN=a.example'),
    altNames: [parseAltName('dns:a.example')],
    keyAlgorithm: 'rsa-2048',
  });
  assert.deepEqual(tls.keyUsage, ['digitalSignature', 'keyEncipherment']);
  assert.equal(tls.altNamesCritical, false);
});

test('an unknown profile name is refused with the known ones', () => {
  assert.throws(
    () => profileByName('superuser'),
    (e) => isPkiError(e, 'POLICY_VIOLATION') && /known: root-ca/.test(e.message),
  );
});
