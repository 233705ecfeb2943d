import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SqliteStatement } from './sqlite-statement.js';

interface Db {
  t: { a: string; b: number; c: string | null };
}

function fixture() {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec('create table t (a text, b integer, c text)');
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { sqlite, db };
}

test('binds by name whatever order the compiled SQL puts the parameters in, keeping constants', () => {
  const { sqlite, db } = fixture();
  const insert = new SqliteStatement<Db['t']>(sqlite, ['c', 'a', 'b'], (row) =>
    db.insertInto('t').values(row),
  );
  insert.run({ a: 'x', b: 1, c: null });
  insert.run({ c: 'z', b: 2, a: 'y' });
  const update = new SqliteStatement<{ a: string; c: string }>(sqlite, ['a', 'c'], (p) =>
    db.updateTable('t').set({ c: p.c }).where('a', '=', p.a).where('b', '=', 2),
  );
  assert.equal(update.run({ a: 'y', c: 'updated' }).changes, 1);
  assert.equal(update.run({ a: 'x', c: 'not this one' }).changes, 0);
  const select = new SqliteStatement<object>(sqlite, [], () =>
    db.selectFrom('t').selectAll().orderBy('b').limit(1),
  );
  assert.deepEqual(select.get({}), { a: 'x', b: 1, c: null });
  assert.deepEqual(sqlite.prepare('select * from t order by b').all(), [
    { a: 'x', b: 1, c: null },
    { a: 'y', b: 2, c: 'updated' },
  ]);
  sqlite.close();
});

test('refuses a name the query does not use', () => {
  const { sqlite, db } = fixture();
  assert.throws(
    () =>
      new SqliteStatement<{ a: string; b: number }>(sqlite, ['a', 'b'], (p) =>
        db.deleteFrom('t').where('a', '=', p.a),
      ),
    /does not bind b/,
  );
  sqlite.close();
});
