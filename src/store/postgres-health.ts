// Whether the database answers, as the store's own queries find out. A query that fails for want of a
// connection marks the database lost: for a backoff that doubles from 0.25 s to 8 s the queries after it
// fail at once with store_unavailable instead of each waiting out a connect of its own, then one is let
// through to try again; the heartbeat always goes through. The first that succeeds marks it back. Each
// change is logged once, not per query.
import type pg from 'pg';
import type { Logger } from '../log.js';
import { RunyardError } from '../schema/errors.js';

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8_000;

/** Node's errors for a server that cannot be reached at all: what stops a start (postgres.ts) too. */
export const UNREACHABLE_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
];

// Those, a connection cut under a query, and PostgreSQL's classes 08 (connection exception) and 57P
// (operator intervention: the server shutting down or starting) and 53300 (too many connections): the
// database did not answer the query, as opposed to answering it with an error of the query's own.
const SOCKET_CODES = new Set([...UNREACHABLE_CODES, 'ECONNRESET', 'EPIPE']);
const isConnectionError = (error: unknown): boolean => {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (SOCKET_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code === '53300')
  )
    return true;
  // pg's own, for a connection that ended or never came: "Connection terminated unexpectedly",
  // "timeout exceeded when trying to connect", "Client has encountered a connection error".
  return (
    typeof message === 'string' &&
    /connection terminated|timeout exceeded when trying to connect|connection error/i.test(message)
  );
};

/**
 * One query that goes to the database now, lost or not, and marks it back when answered. For the
 * heartbeat: were it held back by the backoff, a database away for 5 s would be found back only at the
 * try due 7.75 s after it went, by when the other nodes may judge this node dead (10 s without a beat).
 */
export type ProbeQuery = (text: string, values: unknown[]) => Promise<pg.QueryResult>;

interface Outage {
  since: number;
  retryAt: number;
  backoffMs: number;
  cause: string;
}

export class DatabaseHealth {
  readonly #server: string;
  readonly #log: Logger;
  #outage: Outage | undefined;

  /** `server` names the database in errors and logs: `PostgreSQL at HOST:PORT`. */
  constructor(server: string, log: Logger) {
    this.#server = server;
    this.#log = log;
  }

  get isLost(): boolean {
    return this.#outage !== undefined;
  }

  /** Runs `work` against the database, unless it is lost and its next try is not due yet. */
  async guard<T>(work: () => Promise<T>): Promise<T> {
    const outage = this.#outage;
    if (outage && performance.now() < outage.retryAt) throw this.#unavailable(outage.cause);
    if (outage) outage.retryAt = performance.now() + outage.backoffMs; // one try at a time while lost
    return this.#attempt(work);
  }

  /** Runs `work` now, and marks the database lost or back by how it went. */
  async #attempt<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.#back();
      return result;
    } catch (error) {
      if (!isConnectionError(error)) {
        this.#back(); // it answered, with an error of the query's own
        throw error;
      }
      this.#lost(error as Error);
      throw this.#unavailable(this.#outage!.cause);
    }
  }

  /**
   * `pool` with every query and every connection taken for a transaction going through guard(), and a
   * query that the backoff never holds back (ProbeQuery).
   */
  wrap(pool: pg.Pool): { pool: pg.Pool; probe: ProbeQuery } {
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
    // The promise forms, which the store uses. pg's own query() takes its connection through connect()
    // with a callback: that form is passed through as it is, the query around it being guarded already.
    pool.query = ((...args: unknown[]) => this.guard(() => query(...args))) as typeof pool.query;
    pool.connect = ((callback?: unknown) =>
      callback === undefined ? this.guard(() => connect()) : connect(callback)) as typeof pool.connect;
    const probe: ProbeQuery = (text, values) =>
      this.#attempt(() => query(text, values) as Promise<pg.QueryResult>);
    return { pool, probe };
  }

  #lost(error: Error): void {
    const now = performance.now();
    const cause = (error as { code?: string }).code ?? error.message;
    if (this.#outage) {
      this.#outage.backoffMs = Math.min(this.#outage.backoffMs * 2, MAX_BACKOFF_MS);
      this.#outage.retryAt = now + this.#outage.backoffMs;
      this.#outage.cause = cause;
      return;
    }
    this.#outage = { since: now, retryAt: now + FIRST_BACKOFF_MS, backoffMs: FIRST_BACKOFF_MS, cause };
    this.#log.warn('database lost', { server: this.#server, cause });
  }

  #back(): void {
    if (!this.#outage) return;
    const downMs = Math.round(performance.now() - this.#outage.since);
    this.#outage = undefined;
    this.#log.info('database back', { server: this.#server, downMs });
  }

  #unavailable(cause: string): RunyardError {
    return new RunyardError('store_unavailable', { store: this.#server, cause });
  }
}
