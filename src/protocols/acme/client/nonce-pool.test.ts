import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoncePool } from './nonce-pool.js';

test('an empty pool asks the server; kept nonces are handed out once each, newest first', async () => {
  let fetched = 0;
  const pool = new NoncePool(() => Promise.resolve(`fresh-${++fetched}`));
  assert.equal(await pool.take(), 'fresh-1');
  pool.add('a');
  pool.add('b');
  pool.add('b');
  pool.add(undefined);
  pool.add('');
  assert.equal(pool.size, 2);
  assert.equal(await pool.take(), 'b');
  assert.equal(await pool.take(), 'a');
  assert.equal(await pool.take(), 'fresh-2');
  assert.equal(fetched, 2);
});

test('beyond its capacity the pool drops the oldest nonces', async () => {
  const pool = new NoncePool(() => Promise.resolve('fresh'), 2);
  pool.add('old');
  pool.add('middle');
  pool.add('new');
  assert.equal(pool.size, 2);
  assert.equal(await pool.take(), 'new');
  assert.equal(await pool.take(), 'middle');
  assert.equal(await pool.take(), 'fresh');
});
