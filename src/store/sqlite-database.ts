import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PkiError } from '../core/pki-error.js';

export const SQLITE_MEMORY = ':memory:';

/** How long a write waits for another process's write lock before failing with SQLITE_BUSY (UNAVAILABLE). */
const BUSY_TIMEOUT_MS = 5000;

/**
 * WAL pages (4 KiB each) after which a commit copies the WAL back into the database file. SQLite's default,
 * 1000 pages, is less than one 512-certificate ledger commit (random serials and key hashes dirty a page per
 * index per certificate), so every commit would also checkpoint. 64 MiB lets index pages rewritten by
 * successive commits be copied once.
 */
const WAL_AUTOCHECKPOINT_PAGES = 16_384;

/**
 * Opens (creating if missing) a SQLite database file set up for the store:
 * - `journal_mode=WAL`: readers do not block the writer, and a commit appends to the WAL;
 * - `synchronous=FULL`: every commit fsyncs the WAL before returning, so a committed certificate survives a
 *   SIGKILL or a power loss (NORMAL would only survive a process crash). The CA returns a certificate only
 *   after the ledger has committed it;
 * - `busy_timeout`: waits for another process's write lock instead of failing at once;
 * - `foreign_keys=ON`: SQLite leaves them off by default;
 * - `wal_autocheckpoint`: see WAL_AUTOCHECKPOINT_PAGES.
 * A new file is created with mode 0600 (certificates, device identities and the audit trail are not for
 * other local users); its folder is created with mode 0700 if missing. SQLite gives the -wal and -shm files
 * the same mode as the database.
 */
export function openSqliteDatabase(path: string): BetterSqlite3.Database {
  try {
    if (path !== SQLITE_MEMORY) createPrivateFile(resolve(path));
    const sqlite = new BetterSqlite3(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    sqlite.pragma('cache_size = -65536');
    return sqlite;
  } catch (error) {
    throw new PkiError('UNAVAILABLE', 'cannot open the SQLite database', {
      cause: error,
      details: { file: path },
    });
  }
}

function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    // An existing database keeps the mode its operator gave it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
