// This daemon as a node of its cluster: registered in the store's node table and kept alive there by a
// heartbeat every 2 s (failover and the lease check follow each beat), told when it has lost the database
// for too long, marked stopped when it shuts down. A store without a node table (SQLite, memory) makes a
// cluster of one, this daemon.
import type { Logger } from '../log.js';
import { NODE_DEAD_AFTER_S, type ClusterNode } from '../schema/daemon.js';
import type { NodeAdvert, NodeTable } from '../store/store.js';

const HEARTBEAT_INTERVAL_MS = 2_000;
// While heartbeats fail: the database back is found within half a second, not up to a whole interval
// later, which the others would count against this node's 10 s.
const HEARTBEAT_RETRY_MS = 500;
// How often the node asks itself whether it has gone without a heartbeat for too long: the others end
// its runs NODE_DEAD_AFTER_S after its last one, so it stops them itself at most 1 s later.
const CUT_OFF_CHECK_MS = 1_000;
// daemon.info waits no longer than this for the node list: the SDK asks it on every connect, and a
// database that does not answer must not hold every client's connect for the pool's 10 s.
const LIST_DEADLINE_MS = 2_000;

export interface NodePresence {
  nodes(): Promise<ClusterNode[]>;
  /** Marks the node stopped (after its last heartbeat, never before). */
  close(): Promise<void>;
}

/** What the node does besides beating. */
export interface ClusterDuties {
  /** After each heartbeat that landed: failover, then the check of this node's leases. */
  afterBeat(): Promise<void>;
  /** No heartbeat has landed for longer than the others wait before they end this node's runs. */
  cutOff(): void;
  /** A heartbeat landed again after cutOff. */
  reconnected(): void;
}

/** This daemon, as it joins: what it advertises, and when it started. */
export interface ThisNode extends NodeAdvert {
  startedAt: string;
}

/** Registers `node` in `table` and starts its heartbeat; with no table, the node alone. */
export async function joinCluster(
  table: NodeTable | undefined,
  node: ThisNode,
  log: Logger,
  duties: ClusterDuties,
): Promise<NodePresence> {
  if (!table) return aloneNode(node);
  const presence = new Heartbeat(table, node, log, duties);
  await presence.start();
  return presence;
}

/** A daemon answering is alive; there is no other node, and no clock but its own to judge it by. */
const aloneNode = ({ nodeId, url, version, startedAt }: ThisNode): NodePresence => ({
  nodes: async () => [
    { nodeId, url, version, state: 'alive', startedAt, lastHeartbeatAt: new Date().toISOString() },
  ],
  close: async () => {},
});

class Heartbeat implements NodePresence {
  readonly #table: NodeTable;
  readonly #node: ThisNode;
  readonly #log: Logger;
  readonly #duties: ClusterDuties;
  #timer: NodeJS.Timeout | undefined;
  #cutOffTimer: NodeJS.Timeout | undefined;
  #beating: Promise<void> = Promise.resolve();
  #isClosed = false;
  #isLost = false;
  /** The monotonic clock, not the wall clock, which may jump: when the last heartbeat landed. */
  #lastBeatAt = performance.now();
  #isBeating = false;
  #isCutOff = false;
  /** The list as the database last gave it: what daemon.info answers while the database does not. */
  #lastList: ClusterNode[] = [];

  constructor(table: NodeTable, node: ThisNode, log: Logger, duties: ClusterDuties) {
    this.#table = table;
    this.#node = node;
    this.#log = log;
    this.#duties = duties;
  }

  async start(): Promise<void> {
    await this.#table.register(this.#node);
    this.#lastBeatAt = performance.now();
    this.#lastList = await this.#table.list();
    this.#schedule();
    this.#cutOffTimer = setInterval(() => this.#checkCutOff(), CUT_OFF_CHECK_MS);
    this.#cutOffTimer.unref();
  }

  async nodes(): Promise<ClusterNode[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, LIST_DEADLINE_MS, undefined);
    });
    const listed = this.#table.list().catch(() => undefined);
    const nodes = await Promise.race([listed, deadline]);
    clearTimeout(timer);
    if (nodes) this.#lastList = nodes;
    return nodes ?? this.#lastList;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#cutOffTimer);
    await this.#beating;
    await this.#table.stop(this.#node.nodeId).catch((error: unknown) => {
      // The others judge it dead instead, once its node lock goes with its process (or 10 s on).
      this.#log.warn('marking the node stopped failed', { nodeId: this.#node.nodeId, error });
    });
  }

  #schedule(): void {
    // A timeout after each beat, not an interval: beats never overlap when the database is slow.
    this.#timer = setTimeout(
      () => {
        this.#beating = this.#beat().finally(() => {
          if (!this.#isClosed) this.#schedule();
        });
      },
      this.#isLost ? HEARTBEAT_RETRY_MS : HEARTBEAT_INTERVAL_MS,
    );
    this.#timer.unref();
  }

  /** One heartbeat. Its failures are logged when they begin and when they end, never beat by beat. */
  async #beat(): Promise<void> {
    this.#isBeating = true;
    try {
      // A row someone deleted is made again: the node is still there.
      if (!(await this.#table.heartbeat(this.#node.nodeId))) await this.#table.register(this.#node);
      this.#lastBeatAt = performance.now();
      if (this.#isLost) this.#log.info('heartbeat back', { nodeId: this.#node.nodeId });
      this.#isLost = false;
      if (this.#isCutOff) this.#duties.reconnected();
      this.#isCutOff = false;
    } catch (error) {
      if (!this.#isLost)
        this.#log.warn('heartbeat lost', { nodeId: this.#node.nodeId, deadAfterS: NODE_DEAD_AFTER_S, error });
      this.#isLost = true;
      return;
    } finally {
      this.#isBeating = false;
    }
    await this.#duties.afterBeat().catch((error: unknown) => {
      this.#log.warn('failover or the lease check failed', { nodeId: this.#node.nodeId, error });
    });
  }

  /**
   * Failing (or hanging) heartbeats for longer than the dead-node threshold: by now the others may end
   * this node's runs, so it stops them on its side. A node only paused (SIGSTOP) has had no failing
   * beat: its first beat after it resumes lands, and the lease check finds what it lost.
   */
  #checkCutOff(): void {
    const isFailing = this.#isLost || this.#isBeating;
    if (!isFailing || this.#isCutOff) return;
    if (performance.now() - this.#lastBeatAt <= NODE_DEAD_AFTER_S * 1_000) return;
    this.#isCutOff = true;
    this.#log.warn('database lost too long; stopping runs', {
      nodeId: this.#node.nodeId,
      deadAfterS: NODE_DEAD_AFTER_S,
    });
    this.#duties.cutOff();
  }
}
