// The run queue: highest priority first, first come first served within a priority.

interface Entry {
  runId: string;
  priority: number;
  /** Arrival order; breaks ties within a priority. */
  order: number;
}

// Sorted array: inserts are a binary search plus one splice, and a run's position is its index.
// At the 10,000-run queue limit that is a few microseconds per operation.
export class RunQueue {
  readonly #entries: Entry[] = [];
  #arrivals = 0;

  get size(): number {
    return this.#entries.length;
  }

  push(runId: string, priority: number): void {
    const entry = { runId, priority, order: this.#arrivals++ };
    this.#entries.splice(this.#insertionIndex(entry), 0, entry);
  }

  shift(): string | undefined {
    return this.#entries.shift()?.runId;
  }

  remove(runId: string): boolean {
    const index = this.#entries.findIndex((entry) => entry.runId === runId);
    if (index >= 0) this.#entries.splice(index, 1);
    return index >= 0;
  }

  /** 1 for the run that starts next; undefined when the run is not queued. */
  position(runId: string): number | undefined {
    const index = this.#entries.findIndex((entry) => entry.runId === runId);
    return index >= 0 ? index + 1 : undefined;
  }

  clear(): void {
    this.#entries.length = 0;
  }

  #insertionIndex(entry: Entry): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.#entries[mid]!;
      const before =
        other.priority > entry.priority || (other.priority === entry.priority && other.order < entry.order);
      if (before) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
