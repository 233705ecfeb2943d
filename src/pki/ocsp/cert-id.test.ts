import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeTestHierarchy } from '../../../test/helpers/pki-fixtures.js';
import type { SerialHex } from '../../core/ids.js';
import { spkiKeyBits } from '../der-reader.js';
import { OID } from '../oids.js';
import { certIdFor, certIdNamesIssuer } from './cert-id.js';

const { root, intermediate, leaf } = makeTestHierarchy();

test('certIdFor hashes the issuer subject DER and its subjectPublicKey bits', () => {
  for (const hash of ['sha1', 'sha256'] as const) {
    const id = certIdFor(intermediate.cert, leaf.cert.serial, hash);
    const digest = (data: Uint8Array) => new Uint8Array(createHash(hash).update(data).digest());
    assert.deepEqual(id.issuerNameHash, digest(intermediate.cert.subjectDer));
    assert.deepEqual(id.issuerKeyHash, digest(spkiKeyBits(intermediate.cert.spkiDer)));
    assert.equal(id.hashAlgorithmOid, hash === 'sha1' ? OID.sha1 : OID.sha256);
    assert.equal(id.serial, leaf.cert.serial);
  }
});

test('certIdFor writes NULL hash parameters and the serial as a positive INTEGER', () => {
  const id = certIdFor(intermediate.cert, 'ff01' as SerialHex, 'sha1');
  const hex = Buffer.from(id.raw).toString('hex');
  assert.ok(hex.startsWith('303c300906052b0e03021a0500'), hex);
  assert.ok(hex.endsWith('020300ff01'), hex);
});

test('certIdNamesIssuer tells the issuer from another CA', () => {
  const id = certIdFor(intermediate.cert, leaf.cert.serial, 'sha256');
  assert.equal(certIdNamesIssuer(id, intermediate.cert), true);
  assert.equal(certIdNamesIssuer(id, root.cert), false);
  assert.equal(certIdNamesIssuer(certIdFor(root.cert, leaf.cert.serial, 'sha1'), root.cert), true);
});
