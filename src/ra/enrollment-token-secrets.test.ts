import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { isPkiError } from '../core/pki-error.js';
import { EnrollmentTokenSecrets } from './enrollment-token-secrets.js';
import { hashTokenSecret } from './token-provisioner.js';

const key = new Uint8Array(32).fill(7);

test('a minted secret is the one derived from its id, and the stored hash is what the provisioner checks', () => {
  const secrets = new EnrollmentTokenSecrets(key);
  const minted = secrets.mint();
  assert.match(minted.id, /^tok_[0-9a-f]{12}$/);
  assert.equal(minted.secret, secrets.secretFor(minted.id));
  assert.equal(minted.secretSha256, hashTokenSecret(minted.secret));
  const expected = createHmac('sha256', key)
    .update('certfleet enrollment token v1\0')
    .update(minted.id)
    .digest('base64url');
  assert.equal(minted.secret, expected);
  assert.notEqual(secrets.mint().id, minted.id);
});

test('another key derives other secrets; a short key is refused', () => {
  const a = new EnrollmentTokenSecrets(key);
  const b = new EnrollmentTokenSecrets(new Uint8Array(32).fill(8));
  assert.notEqual(a.secretFor('tok_1'), b.secretFor('tok_1'));
  assert.throws(
    () => new EnrollmentTokenSecrets(new Uint8Array(16)),
    (e) => isPkiError(e, 'CONFIG_INVALID'),
  );
});
