import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPkiError } from '../core/pki-error.js';
import { isEpochMs, isText, PageCursor } from './page-cursor.js';

const cursor = new PageCursor<{ at: number; id: string }>('things', {
  encode: (key) => [key.at, key.id],
  decode: ([at, id]) => (isEpochMs(at) && isText(id) ? { at, id } : undefined),
});

test('a cursor round-trips its key and is base64url of a JSON array', () => {
  const text = cursor.encode({ at: 1_700_000_000_000, id: 'dev/ä_1' });
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.equal(Buffer.from(text, 'base64url').toString('utf8'), '["things",1700000000000,"dev/ä_1"]');
  assert.deepEqual(cursor.decode(text), { at: 1_700_000_000_000, id: 'dev/ä_1' });
  assert.equal(cursor.decode(undefined), undefined);
});

test('anything else is MALFORMED_INPUT naming the cursor parameter', () => {
  const b64 = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
  const bad = [
    'not base64!',
    '%%%',
    b64('not json'),
    b64('{"a":1}'),
    b64('["other",1,"x"]'),
    b64('["things","1","x"]'),
    b64('["things",1.5,"x"]'),
    b64('["things",1]'),
    b64('["things",1,""]'),
  ];
  for (const text of bad) {
    assert.throws(
      () => cursor.decode(text),
      (e) =>
        isPkiError(e, 'MALFORMED_INPUT') && e.details['in'] === 'query' && e.details['pointer'] === '/cursor',
      text,
    );
  }
});
