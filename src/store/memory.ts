// The in-memory store: for tests, embedding, and until the durable index lands.
import type { RunRecord } from '../schema/run.js';
import type { RunQuery, RunStore } from './store.js';

export class MemoryStore implements RunStore {
  // Run ids are ULIDs, so insertion order is creation order; `order` stays sorted by appending.
  readonly #runs = new Map<string, RunRecord>();
  readonly #order: string[] = [];
  readonly #byIdempotencyKey = new Map<string, string>();

  async insert(run: RunRecord): Promise<void> {
    if (this.#runs.has(run.runId)) throw new Error(`run ${run.runId} already stored`);
    this.#runs.set(run.runId, structuredClone(run));
    const last = this.#order.at(-1);
    if (last === undefined || last < run.runId) this.#order.push(run.runId);
    else this.#order.splice(sortedIndex(this.#order, run.runId), 0, run.runId);
    if (run.idempotencyKey !== null) this.#byIdempotencyKey.set(run.idempotencyKey, run.runId);
  }

  async update(run: RunRecord): Promise<void> {
    if (!this.#runs.has(run.runId)) throw new Error(`run ${run.runId} is not stored`);
    this.#runs.set(run.runId, structuredClone(run));
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(runId);
    return run && structuredClone(run);
  }

  async findByIdempotencyKey(key: string): Promise<RunRecord | undefined> {
    const runId = this.#byIdempotencyKey.get(key);
    return runId === undefined ? undefined : this.get(runId);
  }

  async list(query: RunQuery): Promise<RunRecord[]> {
    const found: RunRecord[] = [];
    const start = query.before === undefined ? this.#order.length : sortedIndex(this.#order, query.before);
    for (let i = start - 1; i >= 0 && found.length < query.limit; i--) {
      const run = this.#runs.get(this.#order[i]!)!;
      if (query.status && !query.status.includes(run.status)) continue;
      if (query.labels && Object.entries(query.labels).some(([key, value]) => run.labels[key] !== value))
        continue;
      found.push(structuredClone(run));
    }
    return found;
  }

  async close(): Promise<void> {}
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
