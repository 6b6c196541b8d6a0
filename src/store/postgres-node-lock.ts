// A node's liveness as the database itself sees it: a session advisory lock the node holds on a
// connection of its own. The server releases it the moment that connection closes, which is the moment
// the node's process dies (its kernel closes the socket), so the others need not wait out the heartbeat
// threshold to know a killed node is gone (postgres-liveness.ts says how they judge by it). The same
// session listens for the cluster's notices (LISTEN), which need a connection of their own as well.
import pg from 'pg';
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import { NODE_DEAD_AFTER_S } from '../schema/daemon.js';

// How long after a failure the node tries again to connect and take its lock.
const RETRY_MS = 1_000;
// What the lock's connection is called in pg_stat_activity, where an operator sees one per node.
const APPLICATION_NAME = 'runyard node lock';

/**
 * The two keys of a node's lock, as SQL, the same whoever computes them: the first names the schema, so
 * that two clusters in two schemas of one database never share a lock, the second the node id.
 */
export const nodeLockKeys = (nodeIdSql: string) => ({
  schemaKey: `hashtext('runyard node ' || current_schema())`,
  nodeKey: `hashtext(${nodeIdSql})`,
});

export class NodeLock {
  readonly #config: pg.ClientConfig;
  readonly #nodeId: string;
  readonly #log: Logger;
  #client: pg.Client | undefined;
  /** The monotonic clock when the lock was taken; undefined while it is not held. */
  #heldSince: number | undefined;
  #retry: NodeJS.Timeout | undefined;
  #isStarted = false;
  #isClosed = false;
  #isLost = false;
  readonly #listeners = new Map<string, (payload: string) => void>();

  constructor(config: pg.ClientConfig, nodeId: string, log: Logger) {
    this.#config = config;
    this.#nodeId = nodeId;
    this.#log = log;
  }

  /** Starts taking the lock, and taking it again whenever its connection is lost. Never throws. */
  start(): void {
    if (this.#isStarted || this.#isClosed) return;
    this.#isStarted = true;
    this.#takeSoon(0);
  }

  /**
   * Whether this node may judge others by their locks (postgres-liveness.ts): it has held its own for
   * NODE_DEAD_AFTER_S without a break, long enough for every live node to have taken its lock again
   * after a database restart.
   */
  judgesByLock(): boolean {
    return this.#heldSince !== undefined && performance.now() - this.#heldSince >= NODE_DEAD_AFTER_S * 1_000;
  }

  /**
   * Calls `listener` with the payload of each NOTIFY on `channel` (a plain identifier), and with '' each
   * time the session starts to listen (again): notices sent while the connection was down are lost.
   */
  listen(channel: string, listener: (payload: string) => void): void {
    this.#listeners.set(channel, listener);
    // Held already: the session listens from now. A take under way still walks the listeners (a live
    // iterator), and holds the lock only after its walk, with no await in between.
    const client = this.#client;
    if (this.#heldSince === undefined || !client) return;
    const listening = client.query(`LISTEN ${channel}`).then(() => listener(''));
    // A failure is the connection's, which takes the lock again, and then listens.
    listening.catch(() => {});
  }

  /** Releases the lock (its connection closes) and takes it no more. */
  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#drop();
    await client?.end().catch(() => {});
  }

  async #take(): Promise<void> {
    const client = new pg.Client({ ...this.#config, application_name: APPLICATION_NAME, keepAlive: true });
    this.#client = client;
    // Either is the lock lost: the server closed the connection, or the network did.
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', ({ channel, payload }) => this.#listeners.get(channel)?.(payload ?? ''));
    try {
      await client.connect();
      const { schemaKey, nodeKey } = nodeLockKeys('$1');
      const { rows } = await client.query<{ held: boolean }>(
        `SELECT pg_try_advisory_lock(${schemaKey}, ${nodeKey}) AS held`,
        [this.#nodeId],
      );
      if (this.#client !== client) return;
      // Held by another connection: the previous run of this node, whose connection the server has not
      // yet seen close. Tried again until it has.
      if (!rows[0]!.held) throw new Error('the lock is held by another connection of this node id');
      for (const channel of this.#listeners.keys()) await client.query(`LISTEN ${channel}`);
      if (this.#client !== client) return;
      this.#heldSince = performance.now();
      for (const listener of this.#listeners.values()) listener('');
      if (this.#isLost) this.#log.info('node lock held again', { nodeId: this.#nodeId });
      this.#isLost = false;
    } catch (error) {
      this.#lost(client, error);
      await client.end().catch(() => {});
    }
  }

  /** The lock is gone with `client`: logged once, taken again after RETRY_MS. */
  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client || this.#isClosed) return;
    if (!this.#isLost)
      this.#log.warn('node lock lost', {
        nodeId: this.#nodeId,
        retryMs: RETRY_MS,
        ...(error ? { error } : {}),
      });
    this.#isLost = true;
    this.#drop();
    this.#takeSoon(RETRY_MS);
  }

  #takeSoon(ms: number): void {
    this.#retry = setTimeout(() => background(this.#take(), this.#log, 'taking the node lock failed'), ms);
    this.#retry.unref();
  }

  #drop(): void {
    this.#client = undefined;
    this.#heldSince = undefined;
  }
}
