import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPkiError } from '../core/pki-error.js';
import { parsePostgresUrl } from './postgres-url.js';
import { parseStoreUrl } from './store-url.js';

test('chooses the engine and the SQLite path', () => {
  const cases: Array<[string, ReturnType<typeof parseStoreUrl>]> = [
    ['sqlite:./data/certfleet.db', { engine: 'sqlite', path: './data/certfleet.db' }],
    ['sqlite:/abs/path.db', { engine: 'sqlite', path: '/abs/path.db' }],
    ['sqlite:///abs/path.db', { engine: 'sqlite', path: '/abs/path.db' }],
    ['sqlite:relative.db', { engine: 'sqlite', path: 'relative.db' }],
    ['sqlite::memory:', { engine: 'sqlite', path: ':memory:' }],
    ['postgres://db:5432/certfleet', { engine: 'postgres', url: 'postgres://db:5432/certfleet' }],
    ['postgresql://db/certfleet', { engine: 'postgres', url: 'postgresql://db/certfleet' }],
  ];
  for (const [url, expected] of cases) assert.deepEqual(parseStoreUrl(url), expected, url);
});

test('refuses other URLs with CONFIG_INVALID', () => {
  for (const url of [
    '',
    'certfleet.db',
    'mysql://h/db',
    'file:/x.db',
    'sqlite:',
    'sqlite://host/x.db',
    'sqlite:dir/',
  ]) {
    assert.throws(
      () => parseStoreUrl(url),
      (e) => isPkiError(e, 'CONFIG_INVALID'),
      url,
    );
  }
});

test('takes the schema parameter out of the PostgreSQL URL and keeps the rest', () => {
  assert.deepEqual(
    parsePostgresUrl('postgres://u:p%40ss@127.0.0.1:5432/test?schema=cf_test_123&sslmode=disable'),
    {
      connectionString: 'postgres://u:p%40ss@127.0.0.1:5432/test?sslmode=disable',
      schema: 'cf_test_123',
      display: '127.0.0.1:5432/test',
    },
  );
  assert.deepEqual(parsePostgresUrl('postgresql://db/certfleet'), {
    connectionString: 'postgresql://db/certfleet',
    schema: undefined,
    display: 'db:5432/certfleet',
  });
});

test('refuses schema names that are not plain lower-case identifiers, without echoing secrets', () => {
  for (const schema of ['Upper', 'has-dash', '1digit', 'x"; drop table issuers; --', 'a'.repeat(64)]) {
    assert.throws(
      () => parsePostgresUrl(`postgres://u:secret@h/db?schema=${encodeURIComponent(schema)}`),
      (e) => isPkiError(e, 'CONFIG_INVALID') && !e.message.includes('secret'),
      schema,
    );
  }
  assert.throws(
    () => parsePostgresUrl('postgres://u:secret@[::1/db'),
    (e) => isPkiError(e, 'CONFIG_INVALID') && !e.message.includes('secret'),
  );
});
