// The store interface: the index as three tables (runs, actions, services). Async throughout, so a network database fits behind it.
import type { RunResults } from '../run-dir/write.js';
import type { LeaseLostError } from './lease-lost.js';
import type { AttemptRecord } from '../schema/run-dir.js';
import type { Action } from '../schema/action.js';
import type { ClusterNode } from '../schema/daemon.js';
import type { RetainedTable } from '../schema/retained-list.js';
import type { RunEvent } from '../schema/run-event.js';
import type { RunRecord, RunSpec, RunStatus } from '../schema/run.js';
import type { Service } from '../schema/service.js';

/** Everything the index keeps about one run. */
export interface StoredRun {
  record: RunRecord;
  /** What run.start asked for (its action resolved), env values included: enough to start a queued run after a restart. */
  request: RunSpec;
  attempts: AttemptRecord[];
  /** The current attempt's process group, so a restarted daemon can stop what a crashed one left behind. */
  process: ProcessIdentity | null;
  /** Where a finished run's results are, relative to its run directory. */
  results: RunResults | null;
}

export type { RunResults };

/** A pid alone can be reused; with the kernel's start time it names one process for good. */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

export interface RunQuery {
  status?: readonly RunStatus[];
  labels?: Readonly<Record<string, string>>;
  actionId?: string;
  serviceId?: string;
  /** A substring of the run id, the argv joined by spaces or a label's `key=value`; ASCII letters fold case. */
  text?: string;
  limit: number;
  /** Return runs strictly older than this run id. */
  before?: string;
}

export interface PruneQuery {
  /** Keep this many newest finished runs. */
  keepRuns?: number;
  /** Keep finished runs that finished at or after this time (ISO 8601). */
  keepFinishedSince?: string;
}

/** The index: one table of runs and one of each kind of definition. */
export interface Store {
  runs: RunTable;
  actions: DefinitionTable<Action>;
  services: DefinitionTable<Service>;
  /** The nodes of a cluster: only a store that several daemons share has them. */
  nodes?: NodeTable;
  /** The other nodes' retained runs: only a store that several daemons share has them. */
  retained?: RetainedTable;
  /** Which node supervises each service: only a store that several daemons share has them. */
  serviceLeases?: ServiceLeaseTable;
  /** The queue the nodes share: only a store that several daemons share has it. */
  queue?: QueueTable;
  /** The status events of every node's runs: only a store that several daemons share has them. */
  statusFeed?: StatusFeed;
  close(): Promise<void>;
}

/** What a node advertises of itself. */
export interface NodeAdvert {
  nodeId: string;
  url: string;
  version: string;
}

/** The cluster's nodes, every time by the database's clock, so that no two machines' clocks are compared. */
export interface NodeTable {
  /** Makes the node alive from now, started now: a restarted node takes its own row again. */
  register(node: NodeAdvert): Promise<void>;
  /** Records a heartbeat now; false when the node has no row (someone deleted it). */
  heartbeat(nodeId: string): Promise<boolean>;
  /** Marks the node stopped: it shut down cleanly. */
  stop(nodeId: string): Promise<void>;
  /** Every node, by node id, each judged alive, dead or stopped now. */
  list(): Promise<ClusterNode[]>;
  /**
   * Ends the running and retrying runs of dead nodes `interrupted` (reason node_lost), raising their
   * epochs so that their nodes' later writes are refused; each run once, however many nodes call this
   * at once. `nodeId` is the caller, whose own runs are never taken. Returns the runs it ended.
   */
  failOver(nodeId: string): Promise<FailedOverRun[]>;
  /** The cluster's token: `candidate` when the cluster had none yet, else the one it has. */
  settleToken(candidate: string): Promise<string>;
}

/** A service lease a node holds: the service, and the epoch it took it at. */
export interface HeldLease {
  service: string;
  epoch: number;
}

/** What a claim of a service's lease gives: the lease, or the live node that holds it. */
export type LeaseClaim = { held: HeldLease } | { holder: string };

/**
 * The supervisors of a cluster's services, one node a service at a time, judged live or gone by the
 * database's clock as the node table judges nodes. Every change of supervisor raises the lease's epoch.
 */
export interface ServiceLeaseTable {
  /**
   * Takes the lease for `nodeId`, at a new epoch, and sets whether the service is wanted running, unless
   * another live node holds it: then that node is returned, and nothing changes.
   */
  claim(service: string, nodeId: string, isWanted: boolean): Promise<LeaseClaim>;
  /** The live node that holds the service's lease, if any. */
  holder(service: string): Promise<string | undefined>;
  /** Of these leases, the services `nodeId` no longer holds at that epoch. */
  lost(nodeId: string, held: readonly HeldLease[]): Promise<string[]>;
  /**
   * Takes for `nodeId` the leases of the services wanted running whose supervisor is dead, stopped or
   * none, each by one node however many call this at once, and none whose runs still run on a live node.
   */
  takeOver(nodeId: string): Promise<HeldLease[]>;
  /** Hands back every lease `nodeId` holds (a clean shutdown): the services stay wanted, for another node. */
  release(nodeId: string): Promise<void>;
}

/**
 * The runs no node holds yet: accepted by a node without a free slot, they wait here, in priority then
 * creation order, until a node with one claims them. A claimed run is held by its claimer as an inserted
 * run is (RunTable's epochs): its first write makes its run directory known. Every claim raises the
 * run's epoch, and each run goes to one node however many claim at once.
 */
export interface QueueTable {
  /**
   * Adds the run, unclaimed (its record has no nodeId, and runDir ''), unless `maxQueued` runs wait
   * already: then false, and nothing is written. Wakes the nodes that listen (onQueued).
   */
  enqueue(run: StoredRun, maxQueued: number): Promise<boolean>;
  /** Claims up to `count` waiting runs for this node, highest priority first, then oldest. */
  claim(count: number): Promise<StoredRun[]>;
  /** Claims this run for this node if it still waits; undefined when it does not (any more). */
  claimRun(runId: string): Promise<StoredRun | undefined>;
  /**
   * Hands a queued run this node holds back to the queue, for any node, as it was accepted (no node,
   * runDir ''); its directory, if made, is this node's to delete.
   */
  release(runId: string): Promise<void>;
  /** Of these runs, those that still wait: in the queue, or claimed and not yet made (runDir ''). */
  waiting(runIds: readonly string[]): Promise<Set<string>>;
  /** Where each of these runs stands in the queue (1: claimed next); runs that do not wait are left out. */
  positions(runIds: readonly string[]): Promise<Map<string, number>>;
  /** Calls `wake` whenever a run joins the queue: a hint, since a notice can be lost; claims poll as well. */
  onQueued(wake: () => void): void;
}

/**
 * Every node's status events, for the status subscriptions (run.subscribe without runId) of every
 * node. Best effort, as a live feed is: an event published while the database does not answer is lost,
 * never a run's own event log.
 */
export interface StatusFeed {
  /** Sends a status event of one of this node's runs to the other nodes, soon, in order. */
  publish(runId: string, event: RunEvent): void;
  /** Calls `listener` with each status event of another node's run. */
  onStatus(listener: (runId: string, event: RunEvent) => void): void;
}

/** A run that failover ended: whose it was, and when that node last beat. */
export interface FailedOverRun {
  runId: string;
  nodeId: string;
  lastHeartbeatAt: string;
}

/**
 * The runs of the index. In a store that several nodes share, a node holds the runs it inserted, those
 * it claimed from the shared queue (QueueTable) and those its restart recovered, at an epoch the table
 * keeps itself, so that the engine and the other stores never see it; `update` is fenced by it and
 * throws LeaseLostError once another node ended the run, or the run went back to the queue. A store of
 * one node never loses a run.
 */
export interface RunTable {
  insert(run: StoredRun): Promise<void>;
  /** Replaces what is stored for run.record.runId, in one transaction; LeaseLostError when another node ended it. */
  update(run: StoredRun): Promise<void>;
  /** Of these runs, the ones this node no longer holds (another node ended them); [] on a store of one node. */
  lost(runIds: readonly string[]): Promise<LeaseLostError[]>;
  /**
   * Records where a finished run's retention files are (and, in a shared store, the summary the
   * other nodes list it by: RunResults.retained), and nothing else: it never changes a status,
   * so a node may record them for a run another node ended. No-op on an unfinished run or one that
   * has them already.
   */
  recordResults(runId: string, results: RunResults): Promise<void>;
  get(runId: string): Promise<RunRecord | undefined>;
  findByIdempotencyKey(key: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  list(query: RunQuery): Promise<RunRecord[]>;
  /**
   * Queued, running and retrying runs, in queue order: priority first, then creation. What a starting
   * daemon recovers, so in a store shared by a cluster only this node's.
   */
  listUnfinished(): Promise<StoredRun[]>;
  /**
   * Finished runs whose run directory was never completed (no retention files recorded), oldest first;
   * in a shared store only this node's, whose disk holds their directories.
   */
  listUnretained(): Promise<StoredRun[]>;
  /** Finished runs that fall outside what the query keeps, oldest first. Never a queued or active run. */
  listPrunable(query: PruneQuery): Promise<RunRecord[]>;
  /** Removes runs from the index (never their directories); returns how many were removed. */
  delete(runIds: readonly string[]): Promise<number>;
}

/** What actions and services share: a named spec, where it came from, and when it was set. */
export interface Definition {
  spec: { name: string };
  source: string;
  createdAt: string;
  updatedAt: string;
}

/** Definitions kept by name. */
export interface DefinitionTable<T extends Definition> {
  put(definition: T): Promise<void>;
  get(name: string): Promise<T | undefined>;
  /** Sorted by name. */
  list(): Promise<T[]>;
  /** Whether there was one to delete. */
  delete(name: string): Promise<boolean>;
}

export const UNFINISHED: readonly RunStatus[] = ['queued', 'running', 'retrying'];
