// Group commit for SQLite: the writes asked for in one turn of the event loop share one transaction.
import type Database from 'better-sqlite3';

interface Write {
  apply: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Each commit costs the same whatever it holds (the WAL frames of every page it touched, a dozen
 * locking and write syscalls), and busy daemons ask for several per run within the same turn (runs
 * starting, finishing, recording a pid), so they commit together at the end of the turn. Every write
 * runs in its own savepoint: one that throws (a unique key taken) fails alone and leaves the others in.
 * A write's promise settles once its transaction has committed, as a lone commit's would.
 *
 * Reads must see every write asked for before them: a reader calls `flush()` first.
 */
export class GroupCommit {
  #pending: Write[] = [];
  readonly #commit: (writes: Write[]) => Map<Write, unknown>;

  constructor(db: Database.Database) {
    // A transaction function called inside another becomes a savepoint (better-sqlite3's nesting rule).
    const savepoint = db.transaction((write: Write) => write.apply());
    this.#commit = db.transaction((writes: Write[]) => {
      const failures = new Map<Write, unknown>();
      for (const write of writes) {
        try {
          savepoint(write);
        } catch (error) {
          failures.set(write, error);
        }
      }
      return failures;
    });
  }

  /** Queues `apply` (synchronous statements) for the end of this turn; resolves once it is committed. */
  run(apply: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ apply, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now. */
  flush(): void {
    if (this.#pending.length === 0) return;
    const writes = this.#pending;
    this.#pending = [];
    let failures: Map<Write, unknown>;
    try {
      failures = this.#commit(writes);
    } catch (error) {
      // The commit itself failed (a full disk, a locked database): none of them landed.
      for (const write of writes) write.reject(error);
      return;
    }
    for (const write of writes) {
      if (failures.has(write)) write.reject(failures.get(write));
      else write.resolve();
    }
  }
}
