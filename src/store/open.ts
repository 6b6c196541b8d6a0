// Opens the configured store; a missing or corrupt SQLite index is rebuilt from the run directories.
import { access, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { MemoryStore } from './memory.js';
import { rebuildIndex, type RebuildCounts } from './rebuild.js';
import { SqliteStore, StoreVersionError } from './sqlite.js';
import type { RunStore } from './store.js';

export type StoreKind = 'memory' | 'sqlite';
export const DATABASE_FILE = 'runyard.db';

export interface OpenedStore {
  store: RunStore;
  /** Set when the index was rebuilt from disk while opening. */
  rebuilt?: RebuildCounts & { reason: 'missing' | 'corrupt'; movedTo?: string };
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
): Promise<OpenedStore> {
  if (kind === 'memory') return { store: new MemoryStore() };
  const path = join(stateDir, DATABASE_FILE);
  if (!(await exists(path))) {
    const store = new SqliteStore(path, nodeId);
    return { store, rebuilt: { reason: 'missing', ...(await rebuildIndex(store, runsDir)) } };
  }
  try {
    return { store: new SqliteStore(path, nodeId) };
  } catch (error) {
    if (error instanceof StoreVersionError || !isCorruption(error)) throw error;
    const movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(path, movedTo);
    for (const suffix of ['-wal', '-shm']) await rename(path + suffix, movedTo + suffix).catch(() => {});
    log.warn('the index database is corrupt; moved it aside and rebuilding from the run directories', {
      movedTo,
      error: (error as Error).message,
    });
    const store = new SqliteStore(path, nodeId);
    return { store, rebuilt: { reason: 'corrupt', movedTo, ...(await rebuildIndex(store, runsDir)) } };
  }
}
