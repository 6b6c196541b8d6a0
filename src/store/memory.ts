// The in-memory store: for tests and embedding. It forgets everything when the process ends.
import type { Action } from '../schema/action.js';
import type { RunRecord } from '../schema/run.js';
import type { Service } from '../schema/service.js';
import {
  UNFINISHED,
  type Definition,
  type DefinitionTable,
  type PruneQuery,
  type RunQuery,
  type RunResults,
  type RunTable,
  type Store,
  type StoredRun,
} from './store.js';
import type { LeaseLostError } from './lease-lost.js';
import { byQueueOrder, compareText, isPrunable, matchesQuery } from './queries.js';

export class MemoryStore implements Store {
  readonly runs = new MemoryRunTable();
  readonly actions = new MemoryDefinitionTable<Action>();
  readonly services = new MemoryDefinitionTable<Service>();

  async close(): Promise<void> {}
}

export class MemoryRunTable implements RunTable {
  // Run ids are ULIDs, so creation order is id order; `order` stays sorted.
  readonly #runs = new Map<string, StoredRun>();
  readonly #order: string[] = [];
  readonly #byIdempotencyKey = new Map<string, string>();

  async insert(run: StoredRun): Promise<void> {
    const { runId, idempotencyKey } = run.record;
    if (this.#runs.has(runId)) throw new Error(`run ${runId} already stored`);
    if (idempotencyKey !== null && this.#byIdempotencyKey.has(idempotencyKey)) {
      throw new Error(`idempotency key ${idempotencyKey} already stored`);
    }
    this.#runs.set(runId, structuredClone(run));
    this.#order.splice(sortedIndex(this.#order, runId), 0, runId);
    if (idempotencyKey !== null) this.#byIdempotencyKey.set(idempotencyKey, runId);
  }

  async update(run: StoredRun): Promise<void> {
    if (!this.#runs.has(run.record.runId)) throw new Error(`run ${run.record.runId} is not stored`);
    this.#runs.set(run.record.runId, structuredClone(run));
  }

  // One node: it holds every run it has.
  async lost(): Promise<LeaseLostError[]> {
    return [];
  }

  async recordResults(runId: string, results: RunResults): Promise<void> {
    const run = this.#runs.get(runId);
    if (run && run.results === null && !UNFINISHED.includes(run.record.status))
      run.results = structuredClone(results);
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(runId);
    return run && structuredClone(run.record);
  }

  async findByIdempotencyKey(key: string): Promise<RunRecord | undefined> {
    const runId = this.#byIdempotencyKey.get(key);
    return runId === undefined ? undefined : this.get(runId);
  }

  async list(query: RunQuery): Promise<RunRecord[]> {
    const found: RunRecord[] = [];
    const start = query.before === undefined ? this.#order.length : sortedIndex(this.#order, query.before);
    for (let i = start - 1; i >= 0 && found.length < query.limit; i--) {
      const { record } = this.#runs.get(this.#order[i]!)!;
      if (matchesQuery(record, query)) found.push(structuredClone(record));
    }
    return found;
  }

  async listUnfinished(): Promise<StoredRun[]> {
    return [...this.#runs.values()]
      .filter((run) => UNFINISHED.includes(run.record.status))
      .sort((a, b) => byQueueOrder(a.record, b.record))
      .map((run) => structuredClone(run));
  }

  async listUnretained(): Promise<StoredRun[]> {
    return this.#order
      .map((runId) => this.#runs.get(runId)!)
      .filter((run) => !UNFINISHED.includes(run.record.status) && run.results === null)
      .map((run) => structuredClone(run));
  }

  async listPrunable(query: PruneQuery): Promise<RunRecord[]> {
    const finished = [...this.#runs.values()]
      .map((run) => run.record)
      .filter((record) => record.finishedAt !== null)
      .sort((a, b) => compareText(b.finishedAt!, a.finishedAt!) || compareText(b.runId, a.runId));
    return finished
      .filter((record, rank) => isPrunable(record, rank, query))
      .reverse()
      .map((r) => structuredClone(r));
  }

  async delete(runIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const runId of runIds) {
      const run = this.#runs.get(runId);
      if (!run) continue;
      this.#runs.delete(runId);
      this.#order.splice(sortedIndex(this.#order, runId), 1);
      if (run.record.idempotencyKey !== null) this.#byIdempotencyKey.delete(run.record.idempotencyKey);
      deleted++;
    }
    return deleted;
  }
}

/** Actions or services: definitions kept by name, handed out as copies. */
export class MemoryDefinitionTable<T extends Definition> implements DefinitionTable<T> {
  readonly #byName = new Map<string, T>();

  async put(definition: T): Promise<void> {
    this.#byName.set(definition.spec.name, structuredClone(definition));
  }

  async get(name: string): Promise<T | undefined> {
    return structuredClone(this.#byName.get(name));
  }

  async list(): Promise<T[]> {
    return [...this.#byName.keys()].sort().map((name) => structuredClone(this.#byName.get(name)!));
  }

  async delete(name: string): Promise<boolean> {
    return this.#byName.delete(name);
  }
}

/** Index of the first element not less than `id`. */
function sortedIndex(sorted: readonly string[], id: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
