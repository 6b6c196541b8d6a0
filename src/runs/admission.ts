// Admission and the queue: turning run.start into a queued run, and starting queued runs as slots free up.
import { RunyardError } from '../schema/errors.js';
import type { RunRecord, RunStartParams } from '../schema/run.js';
import type { Store } from '../store/store.js';
import type { ActiveRun, ActiveRunParts } from './active-run.js';
import { createRun } from './create-run.js';
import { RunQueue } from './queue.js';
import { RunDirClaims } from './run-dir-claims.js';
import { applyAction, plainSpec } from './run-spec.js';

export interface AdmissionOptions {
  runsDir: string;
  store: Store;
  maxConcurrent: number;
  maxQueued: number;
  killGraceMs: number;
  nodeId: string;
}

/** What admission needs from the engine around it. */
export interface AdmissionHost {
  /** Makes the new run active (the engine's table, its event log). */
  adopt(parts: ActiveRunParts): ActiveRun;
  lookup(runId: string): ActiveRun | undefined;
  /** Starts the run's next attempt in a free slot. */
  launch(run: ActiveRun): void;
  runningCount(): number;
}

export class Admission {
  readonly claims = new RunDirClaims();
  readonly #queue = new RunQueue();
  readonly #options: AdmissionOptions;
  readonly #host: AdmissionHost;
  readonly #startsByKey = new Map<string, Promise<ActiveRun | RunRecord>>();
  /** Queued runs start only once the daemon serves, and no longer once it is closing. */
  #isOpen = false;
  #isClosing = false;
  #isHeld = false;

  constructor(options: AdmissionOptions, host: AdmissionHost) {
    this.#options = options;
    this.#host = host;
  }

  get isClosing(): boolean {
    return this.#isClosing;
  }

  /** A new run, or the run an earlier start with the same idempotency key created. */
  async admit(params: RunStartParams, serviceId: string | null): Promise<ActiveRun | RunRecord> {
    if (this.#isClosing) throw new RunyardError('daemon_shutting_down', {});
    const key = params.idempotencyKey;
    if (key === undefined) return this.#create(params, serviceId);
    // Two concurrent starts with one key must share one run: the second joins the first's promise.
    const pending = this.#startsByKey.get(key);
    if (pending) return pending;
    const started = (async () =>
      (await this.#options.store.runs.findByIdempotencyKey(key)) ?? this.#create(params, serviceId))();
    this.#startsByKey.set(key, started);
    try {
      return await started;
    } finally {
      this.#startsByKey.delete(key);
    }
  }

  /** The run waits for a slot (again). */
  enqueue(run: ActiveRun): void {
    this.#queue.push(run.runId, run.record.priority);
    this.pump();
  }

  /** Takes the run out of the queue; true when it was waiting there. */
  withdraw(runId: string): boolean {
    return this.#queue.remove(runId);
  }

  /** 1 for the run that starts next; undefined when the run is not queued. */
  position(runId: string): number | undefined {
    return this.#queue.position(runId);
  }

  /** Starts queued runs from now on. */
  open(): void {
    this.#isOpen = true;
    this.pump();
  }

  /**
   * While held, nothing starts: the node has lost its database for too long, so a run started now
   * could not be recorded, and the other nodes may be ending this node's runs meanwhile.
   */
  hold(isHeld: boolean): void {
    this.#isHeld = isHeld;
    this.pump();
  }

  /** Starts nothing more; queued runs stay queued for the next daemon. */
  close(): void {
    this.#isClosing = true;
    this.#queue.clear();
  }

  pump(): void {
    while (
      this.#isOpen &&
      !this.#isClosing &&
      !this.#isHeld &&
      this.#host.runningCount() < this.#options.maxConcurrent
    ) {
      const runId = this.#queue.shift();
      if (runId === undefined) return;
      const run = this.#host.lookup(runId);
      if (run) this.#host.launch(run);
    }
  }

  async #create(params: RunStartParams, serviceId: string | null): Promise<ActiveRun> {
    const { runsDir, store, maxQueued, killGraceMs, nodeId } = this.#options;
    if (this.#queue.size >= maxQueued) throw new RunyardError('queue_full', { limit: maxQueued });
    const action = params.action === undefined ? undefined : await store.actions.get(params.action);
    if (params.action !== undefined && !action)
      throw new RunyardError('action_not_found', { name: params.action });
    const spec = action ? applyAction(action.spec, params) : plainSpec(params);
    const provenance = { actionId: action?.spec.name ?? null, serviceId };
    const created = await createRun(spec, provenance, {
      runsDir,
      claims: this.claims,
      defaultKillGraceMs: killGraceMs,
      nodeId,
    });
    const { record } = created;
    try {
      await store.runs.insert({ record, request: spec, attempts: [], process: null, results: null });
    } catch (error) {
      await created.discard();
      // store_unavailable says more than index_failed: the database did not answer, and will again.
      if (error instanceof RunyardError) throw error;
      throw new RunyardError('index_failed', { cause: (error as Error).message });
    }
    const run = this.#host.adopt({
      record,
      plan: created.plan,
      request: spec,
      retry: created.retry,
      attempts: [],
      logSizes: { stdout: 0, stderr: 0 },
      lastSeq: 0,
      release: created.release,
    });
    const queued = run.events.append({ type: 'status', status: 'queued' });
    this.enqueue(run);
    // Answered once its first event is written too: a daemon killed after the answer finds the whole
    // run, event log included, and a subscriber's seq 1 is the same line after a restart.
    await run.events.writtenThrough(queued.seq);
    return run;
  }
}
