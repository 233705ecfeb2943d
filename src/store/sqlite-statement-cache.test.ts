import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { cachingStatements } from './sqlite-statement-cache.js';

interface Db {
  t: { a: number };
}

function fixture(capacity?: number) {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec('create table t (a integer)');
  const prepares: string[] = [];
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = (source: string) => {
    prepares.push(source);
    return prepare(source);
  };
  const database = cachingStatements(sqlite, capacity);
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database }) });
  return { db, prepares };
}

test('a query run again reuses its prepared statement and still sees new rows', async () => {
  const { db, prepares } = fixture();
  for (let a = 1; a <= 3; a++) await db.insertInto('t').values({ a }).execute();
  const select = () => db.selectFrom('t').select('a').where('a', '>', 1).orderBy('a').execute();
  assert.deepEqual(await select(), [{ a: 2 }, { a: 3 }]);
  await db.insertInto('t').values({ a: 4 }).execute();
  assert.deepEqual(await select(), [{ a: 2 }, { a: 3 }, { a: 4 }]);
  assert.equal(prepares.length, 2, 'one insert and one select prepared');
  await db.destroy();
});

test('a statement busy iterating is not handed out again', () => {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec('create table t (a integer); insert into t values (1), (2)');
  const database = cachingStatements(sqlite);
  const sql = 'select a from t order by a';
  const first = database.prepare(sql);
  const rows = first.iterate([]);
  assert.deepEqual(rows.next().value, { a: 1 });
  const second = database.prepare(sql);
  assert.notEqual(second, first);
  assert.deepEqual(second.all([]), [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(rows.next().value, { a: 2 });
  assert.equal(rows.next().done, true);
  assert.equal(database.prepare(sql), first, 'the cached one again once it is done');
  database.close();
});

test('keeps at most its capacity, dropping the least recently used', async () => {
  const { db, prepares } = fixture(2);
  const sqlFor = (n: number) => `select "a" from "t" where ${n} = ${n}`;
  const run = (n: number) => db.executeQuery({ ...db.selectFrom('t').select('a').compile(), sql: sqlFor(n) });
  await run(1);
  await run(2);
  await run(1); // 1 is now the most recent
  await run(3); // evicts 2
  await run(1);
  await run(2);
  assert.deepEqual(prepares, [sqlFor(1), sqlFor(2), sqlFor(3), sqlFor(2)]);
  await db.destroy();
});
