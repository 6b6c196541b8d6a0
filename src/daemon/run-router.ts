// Where a call about one run is answered: here, or at the node of the cluster whose disk holds the run's
// directory and whose engine runs it (the run record's nodeId), over the peer connections. Without a
// cluster (SQLite, memory), always here, with no look-up.
import { isTerminal } from '../runs/lifecycle.js';
import { RunyardError } from '../schema/errors.js';
import type { RunRecord } from '../schema/run.js';
import type { CallContext } from './methods/types.js';
import type { RunOwner } from './node-unavailable.js';
import type { CallLimits, Peers } from './peers.js';
import type { SubscriptionHub } from './subscriptions.js';

// A wait whose owner is unreachable reads the run from the database this often: one query a second per
// such waiter, for as long as the owner is down.
const POLL_INTERVAL_MS = 1_000;

/** Resolves after `ms`, or at once when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

export interface RunLookup {
  get(runId: string): Promise<RunRecord>;
}

export class RunRouter {
  readonly #runs: RunLookup;
  readonly #peers: Peers | undefined;
  readonly #nodeId: string;

  constructor(runs: RunLookup, peers: Peers | undefined, nodeId: string) {
    this.#runs = runs;
    this.#peers = peers;
    this.#nodeId = nodeId;
  }

  /** `local()` when this node holds the run, else the same call, its params as they are, at the node that does. */
  route<T>(
    method: string,
    params: { runId: string },
    call: CallContext,
    local: () => Promise<T>,
    limits: CallLimits = {},
  ): Promise<T> {
    // Nothing to route (one node, or a call forwarded here): the local promise itself, with no frame of
    // ours around it, which a held run.wait would keep for its whole wait (about 700 bytes each).
    if (!this.#peers || call.isForwarded) return local();
    return this.#routed(method, params, call, local, limits);
  }

  async #routed<T>(
    method: string,
    params: { runId: string },
    call: CallContext,
    local: () => Promise<T>,
    limits: CallLimits,
  ): Promise<T> {
    const owner = await this.#ownerOf(params.runId, call);
    return owner ? ((await this.#peers!.call(owner, method, params, limits)) as T) : local();
  }

  /**
   * run.wait: held at the owner for the same timeout. An owner that cannot be reached, or is lost during
   * the wait, leaves the database to watch for the rest of it: the run still ends there (failover), and
   * a wait must see that, not fail. A client gone meanwhile gets the record as it is.
   */
  wait(
    params: { runId: string; timeoutMs: number },
    call: CallContext,
    local: () => Promise<RunRecord>,
  ): Promise<RunRecord> {
    return !this.#peers || call.isForwarded ? local() : this.#waitRouted(params, call, local);
  }

  async #waitRouted(
    params: { runId: string; timeoutMs: number },
    call: CallContext,
    local: () => Promise<RunRecord>,
  ): Promise<RunRecord> {
    const deadline = Date.now() + params.timeoutMs;
    try {
      return await this.route('run.wait', params, call, local, {
        holdsMs: params.timeoutMs,
        signal: call.signal,
      });
    } catch (error) {
      if (call.signal.aborted) return this.#runs.get(params.runId);
      if (!(error instanceof RunyardError && error.reason === 'node_unavailable')) throw error;
      return this.#pollUntilFinished(params.runId, deadline, call.signal);
    }
  }
  /**
   * run.subscribe: a run of another node is subscribed to there and relayed in this hub's frames. Its
   * output comes in binary frames whatever the client asked: bytes that are no UTF-8 would not survive JSON.
   */
  async subscribe(
    { runId, fromSeq, outputFrames }: { runId?: string; fromSeq?: number; outputFrames?: 'json' | 'binary' },
    call: CallContext,
  ): Promise<{ subscriptionId: string; nextSeq: number }> {
    const hub: SubscriptionHub = call.subscriptions;
    const owner = runId === undefined ? undefined : await this.#ownerOf(runId, call);
    if (!owner) return hub.subscribe(runId, fromSeq, outputFrames);
    const params = {
      runId: owner.runId,
      outputFrames: 'binary',
      ...(fromSeq === undefined ? {} : { fromSeq }),
    };
    return hub.relay(owner.runId, outputFrames, (sink) => this.#peers!.subscribe(owner, params, sink));
  }

  async #pollUntilFinished(runId: string, deadline: number, signal: AbortSignal): Promise<RunRecord> {
    for (;;) {
      const run = await this.#runs.get(runId);
      const left = deadline - Date.now();
      if (isTerminal(run.status) || left <= 0 || signal.aborted) return run;
      await sleep(Math.min(POLL_INTERVAL_MS, left), signal);
    }
  }

  /**
   * The run's node when it is another's. A call another node forwarded is answered here whatever the
   * record says, so that no call travels on; a run unknown here is left to the local answer (run_not_found,
   * or a retained run directory named by its path).
   */
  async #ownerOf(runId: string, call: CallContext): Promise<RunOwner | undefined> {
    if (!this.#peers || call.isForwarded) return undefined;
    let run: RunRecord;
    try {
      run = await this.#runs.get(runId);
    } catch (error) {
      if (error instanceof RunyardError && error.reason === 'run_not_found') return undefined;
      throw error;
    }
    return run.nodeId !== undefined && run.nodeId !== this.#nodeId
      ? { runId, nodeId: run.nodeId }
      : undefined;
  }
}
