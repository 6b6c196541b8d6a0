// The SQLite store (the default): one file in the state directory, WAL mode, one transaction per turn of writes.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Action } from '../schema/action.js';
import type { Service } from '../schema/service.js';
import { SqliteDefinitionTable } from './sqlite-definitions.js';
import { latestVersion, migrations } from './sqlite-migrations.js';
import { SqliteRunTable } from './sqlite-runs.js';
import type { Store } from './store.js';

/** The database was written by a newer runyard; opening it could lose what that version recorded. */
export class StoreVersionError extends Error {}

export class SqliteStore implements Store {
  readonly runs: SqliteRunTable;
  readonly actions: SqliteDefinitionTable<Action>;
  readonly services: SqliteDefinitionTable<Service>;
  readonly #db: Database.Database;
  readonly #getState;
  readonly #setState;

  /** Opens (creating and migrating as needed) the database at `path`. */
  constructor(path: string, nodeId: string) {
    keepPrivate(path);
    this.#db = new Database(path);
    try {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL'); // with WAL: durable at each checkpoint, never corrupt
      this.#db.pragma('foreign_keys = ON');
      this.#db.pragma('busy_timeout = 5000');
      // A queued run's env values are erased from its row when it starts: zeroed, not left in free pages.
      this.#db.pragma('secure_delete = ON');
      migrate(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    const db = this.#db;
    this.runs = new SqliteRunTable(db, nodeId);
    this.actions = new SqliteDefinitionTable<Action>(db, 'actions');
    this.services = new SqliteDefinitionTable<Service>(db, 'services');
    this.#getState = db.prepare<[string], { value: string }>('SELECT value FROM index_state WHERE key = ?');
    this.#setState = db.prepare(
      'INSERT INTO index_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    this.runs.flush();
    this.#db.close();
  }

  /**
   * Whether the last rebuild from the run directories ran to its end. A rebuild marks itself
   * pending first and complete last, so a daemon killed in between leaves an index that says so.
   */
  get isRebuildComplete(): boolean {
    return this.#getState.get('rebuild')?.value === 'complete';
  }

  markRebuild(state: 'pending' | 'complete'): void {
    // "complete" must not commit before the runs the rebuild wrote.
    this.runs.flush();
    this.#setState.run('rebuild', state);
  }
}

/**
 * The index holds env values of queued runs: it is readable by its owner only, and so are the WAL
 * files SQLite creates beside it with the database's own mode.
 */
function keepPrivate(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

/** Applies every migration newer than the database, each in its own transaction. */
export function migrate(db: Database.Database, upTo = latestVersion): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latestVersion) {
    throw new StoreVersionError(
      `the index was written by a newer runyard (schema version ${current}); this runyard knows up to version ` +
        `${latestVersion}. Upgrade runyard, or move the database aside to rebuild it from the run directories.`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current || migration.version > upTo) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
