import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PkiError, isPkiError } from '../core/pki-error.js';
import { isForeignKeyViolation, isUniqueViolation, isUnavailable, mapStoreError } from './store-errors.js';

const withCode = (code: string, message = 'driver error') => Object.assign(new Error(message), { code });

test('recognizes constraint violations of both engines', () => {
  for (const code of ['23505', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']) {
    assert.ok(isUniqueViolation(withCode(code)), code);
  }
  for (const code of ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY'])
    assert.ok(isForeignKeyViolation(withCode(code)), code);
  assert.equal(isUniqueViolation(withCode('23503')), false);
  assert.equal(isUniqueViolation('23505'), false);
});

test('maps errors a caller may retry to UNAVAILABLE and leaves the rest alone', () => {
  const retryable = [
    withCode('ECONNREFUSED'),
    withCode('08006'),
    withCode('57P01'),
    withCode('53300'),
    withCode('SQLITE_BUSY'),
    withCode('SQLITE_IOERR_FSYNC'),
    new Error('Connection terminated unexpectedly'),
  ];
  for (const error of retryable) {
    assert.ok(isUnavailable(error));
    const mapped = mapStoreError(error);
    assert.ok(isPkiError(mapped, 'UNAVAILABLE'));
    assert.equal(mapped.cause, error);
  }
  const kept = [withCode('23505'), withCode('42P01'), new Error('boom'), new PkiError('CONFLICT', 'taken')];
  for (const error of kept) assert.equal(mapStoreError(error), error);
});
