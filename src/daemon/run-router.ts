// Where a call about one run is answered: here, or at the node of the cluster whose disk holds the run's
// directory and whose engine runs it (the run record's nodeId), over the peer connections. Without a
// cluster (SQLite, memory), always here, with no look-up. A run still waiting in the cluster's queue has
// no node yet: a wait or a subscription to it is held here until a node claims it, then goes there.
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import { isInSharedQueue } from '../runs/create-run.js';
import { isTerminal } from '../runs/lifecycle.js';
import { RunyardError } from '../schema/errors.js';
import type { RunRecord } from '../schema/run.js';
import type { ClaimWatch } from './claim-watch.js';
import type { CallContext } from './methods/types.js';
import type { RunOwner } from './node-unavailable.js';
import type { CallLimits, Peers, Relay, RelaySink } from './peers.js';
import type { SubscriptionHub } from './subscriptions.js';

// A wait whose owner is unreachable reads the run from the database this often: one query a second per
// such waiter, for as long as the owner is down.
const POLL_INTERVAL_MS = 1_000;

/** Where a run is answered: at its node, here, or (a run no node has claimed) from the index, here. */
type Where = RunOwner | 'here' | 'queue';

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
  readonly #log: Logger;
  readonly #claims: ClaimWatch | undefined;

  /** `claims` watches for the claims of runs in the cluster's queue, on a store that has one. */
  constructor(runs: RunLookup, peers: Peers | undefined, nodeId: string, log: Logger, claims?: ClaimWatch) {
    this.#runs = runs;
    this.#peers = peers;
    this.#nodeId = nodeId;
    this.#log = log;
    this.#claims = claims;
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
    return this.#routed(method, params, local, limits);
  }

  async #routed<T>(
    method: string,
    params: { runId: string },
    local: () => Promise<T>,
    limits: CallLimits,
  ): Promise<T> {
    const where = await this.#whereIs(params.runId);
    return typeof where === 'object'
      ? ((await this.#peers!.call(where, method, params, limits)) as T)
      : local();
  }

  /**
   * run.cancel. A run of the cluster's queue is claimed here to be cancelled (engine.cancel); one that
   * another node claimed first is cancelled there.
   */
  async cancel(
    params: { runId: string },
    call: CallContext,
    local: () => Promise<RunRecord>,
  ): Promise<RunRecord> {
    const run = await this.route('run.cancel', params, call, local);
    if (!this.#peers || call.isForwarded || isTerminal(run.status)) return run;
    if (run.nodeId === undefined || run.nodeId === this.#nodeId) return run;
    return (await this.#peers.call(
      { runId: run.runId, nodeId: run.nodeId },
      'run.cancel',
      params,
    )) as RunRecord;
  }

  /**
   * run.wait: held at the owner for the same timeout. An owner that cannot be reached, or is lost during
   * the wait, leaves the database to watch for the rest of it: the run still ends there (failover), and
   * a wait must see that, not fail. A client gone meanwhile gets the record as it is.
   */
  wait(
    params: { runId: string; timeoutMs: number },
    call: CallContext,
    local: (timeoutMs: number) => Promise<RunRecord>,
  ): Promise<RunRecord> {
    return !this.#peers || call.isForwarded ? local(params.timeoutMs) : this.#waitRouted(params, call, local);
  }

  async #waitRouted(
    params: { runId: string; timeoutMs: number },
    call: CallContext,
    local: (timeoutMs: number) => Promise<RunRecord>,
  ): Promise<RunRecord> {
    const deadline = Date.now() + params.timeoutMs;
    try {
      const waiting = await this.#claimed(params.runId, deadline, call.signal);
      if (waiting) return waiting;
      const timeoutMs = Math.max(0, deadline - Date.now());
      const rest: typeof params = { ...params, timeoutMs };
      return await this.route('run.wait', rest, call, () => local(timeoutMs), {
        holdsMs: timeoutMs,
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
    const where =
      runId === undefined || !this.#peers || call.isForwarded ? 'here' : await this.#whereIs(runId);
    if (where === 'here') return hub.subscribe(runId, fromSeq, outputFrames);
    if (where === 'queue')
      return hub.relay(runId!, outputFrames, async (sink) =>
        this.#relayOnceClaimed(runId!, fromSeq ?? 1, sink),
      );
    return hub.relay(runId!, outputFrames, (sink) => this.#relayFrom(where, fromSeq, sink));
  }

  #relayFrom(owner: RunOwner, fromSeq: number | undefined, sink: RelaySink): Promise<Relay> {
    const params = {
      runId: owner.runId,
      outputFrames: 'binary',
      ...(fromSeq === undefined ? {} : { fromSeq }),
    };
    return this.#peers!.subscribe(owner, params, sink);
  }

  /**
   * A subscription to a run of the cluster's queue: answered at once (it has no events yet), then
   * relayed from the node that claims it, from `fromSeq`, even when that is this node. A run gone from
   * the index meanwhile, or a claimer that cannot be reached, ends it with run.gap.
   */
  #relayOnceClaimed(runId: string, fromSeq: number, sink: RelaySink): Relay {
    const stopped = new AbortController();
    let relay: Relay | undefined;
    const follow = async () => {
      try {
        await this.#claimed(runId, Infinity, stopped.signal);
        const run = await this.#runs.get(runId);
        if (stopped.signal.aborted) return;
        if (run.nodeId === undefined) return sink.lost();
        relay = await this.#relayFrom({ runId, nodeId: run.nodeId }, fromSeq, sink);
        if (stopped.signal.aborted) relay.stop();
      } catch (error) {
        this.#log.debug('following a run of the shared queue failed', { runId, error });
        if (!stopped.signal.aborted) sink.lost();
      }
    };
    background(follow(), this.#log, 'following a run of the shared queue failed', { runId });
    return {
      nextSeq: fromSeq,
      stop: () => {
        stopped.abort();
        relay?.stop();
      },
    };
  }

  /**
   * Waits while the run waits in the cluster's queue, until a node claims it, `deadline` passes or
   * `signal` aborts: the record then when it still waits (the wait is over), else undefined.
   */
  async #claimed(runId: string, deadline: number, signal: AbortSignal): Promise<RunRecord | undefined> {
    for (;;) {
      const run = await this.#runs.get(runId);
      if (!isInSharedQueue(run) || !this.#claims) return undefined;
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return run;
      const until = left === Infinity ? signal : AbortSignal.any([signal, AbortSignal.timeout(left)]);
      await this.#claims.whenClaimed(runId, until);
    }
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
   * The run's node when it is another's, 'queue' when it has none yet. Called only for a call of a
   * client of this node: one another node forwarded is answered here whatever the record says, so that
   * no call travels on. A run unknown here is left to the local answer (run_not_found, or a retained
   * run directory named by its path).
   */
  async #whereIs(runId: string): Promise<Where> {
    let run: RunRecord;
    try {
      run = await this.#runs.get(runId);
    } catch (error) {
      if (error instanceof RunyardError && error.reason === 'run_not_found') return 'here';
      throw error;
    }
    if (isInSharedQueue(run)) return 'queue';
    return run.nodeId !== undefined && run.nodeId !== this.#nodeId ? { runId, nodeId: run.nodeId } : 'here';
  }
}
