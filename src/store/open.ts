// Opens the configured store; a missing, corrupt or half-rebuilt SQLite index is rebuilt from the run directories.
// A PostgreSQL store is never rebuilt: in a cluster it holds what no one node's run directories do.
import { access, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { RunDirProblems } from '../run-dir/problems.js';
import { MemoryStore } from './memory.js';
import { isPostgresUrl, parsePostgresUrl, type PostgresUrl } from './postgres-url.js';
import { rebuildIndex, type RebuildCounts } from './rebuild.js';
import { SqliteStore, StoreVersionError } from './sqlite.js';
import type { Store } from './store.js';

export type StoreKind = 'memory' | 'sqlite' | PostgresUrl;
export const DATABASE_FILE = 'runyard.db';

export interface OpenedStore {
  store: Store;
  /** Set when the index was rebuilt from disk while opening. */
  rebuilt?: RebuildCounts & { reason: 'missing' | 'corrupt' | 'incomplete'; movedTo?: string };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const isCorruption = (error: unknown) =>
  ['SQLITE_CORRUPT', 'SQLITE_NOTADB'].includes((error as { code?: string }).code ?? '');

export async function openStore(
  kind: StoreKind,
  stateDir: string,
  runsDir: string,
  nodeId: string,
  log: Logger,
  problems?: RunDirProblems,
): Promise<OpenedStore> {
  if (kind === 'memory') return { store: new MemoryStore() };
  if (isPostgresUrl(kind)) {
    // Imported only here: a daemon on SQLite never loads the driver.
    const { PostgresStore } = await import('./postgres.js');
    return { store: await PostgresStore.open(parsePostgresUrl(kind), nodeId, log) };
  }
  const path = join(stateDir, DATABASE_FILE);
  let store: SqliteStore;
  let reason: 'missing' | 'corrupt' | 'incomplete' | undefined;
  let movedTo: string | undefined;
  if (!(await exists(path))) {
    store = new SqliteStore(path, nodeId);
    reason = 'missing';
  } else {
    try {
      store = new SqliteStore(path, nodeId);
      if (!store.isRebuildComplete) reason = 'incomplete';
    } catch (error) {
      if (error instanceof StoreVersionError || !isCorruption(error)) throw error;
      movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(path, movedTo);
      for (const suffix of ['-wal', '-shm']) await rename(path + suffix, movedTo + suffix).catch(() => {});
      log.warn('the index database is corrupt; moved it aside and rebuilding from the run directories', {
        movedTo,
        error: (error as Error).message,
      });
      store = new SqliteStore(path, nodeId);
      reason = 'corrupt';
    }
  }
  if (reason === undefined) return { store };
  if (reason === 'incomplete') log.warn('the last rebuild of the index did not finish; rebuilding it');
  try {
    const counts = await rebuildSqliteIndex(store, runsDir, problems);
    return { store, rebuilt: { reason, ...(movedTo ? { movedTo } : {}), ...counts } };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * Rebuilds the index, marked pending until it has run to its end: a rebuild killed midway (a crash,
 * an OOM kill) is redone by the next start instead of leaving runs the index never learned of.
 */
export async function rebuildSqliteIndex(
  store: SqliteStore,
  runsDir: string,
  problems?: RunDirProblems,
): Promise<RebuildCounts> {
  store.markRebuild('pending');
  const counts = await rebuildIndex(store.runs, runsDir, problems);
  store.markRebuild('complete');
  return counts;
}
