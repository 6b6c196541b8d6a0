// Admission and the queue: turning run.start into a queued run, and starting queued runs as slots free up.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { RunyardError } from '../schema/errors.js';
import { resolveRunSpec, type ResolvedRunSpec } from '../schema/run-record.js';
import type { RunRecord, RunStartParams } from '../schema/run.js';
import type { Store, StoredRun } from '../store/store.js';
import type { ActiveRun, ActiveRunParts } from './active-run.js';
import { createRun, queuedRun, type NewRun, type Provenance } from './create-run.js';
import { RunQueue } from './queue.js';
import { RunDirClaims } from './run-dir-claims.js';
import { applyAction, plainSpec } from './run-spec.js';
import { SharedQueue } from './shared-queue.js';

export interface AdmissionOptions {
  runsDir: string;
  store: Store;
  maxConcurrent: number;
  maxQueued: number;
  killGraceMs: number;
  nodeId: string;
  log: Logger;
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
  /** The cluster's queue, where a store shares one: runs this node has no slot for wait there. */
  readonly #shared: SharedQueue | undefined;
  /**
   * Starts being made here because a slot was free: counted against the free slots from the moment
   * they are judged so, or a burst of starts would all find the one slot free and queue here.
   */
  #admitting = 0;
  /** Claimed runs being made here, each until it is active or given up. */
  readonly #making = new Map<string, Promise<boolean>>();

  constructor(options: AdmissionOptions, host: AdmissionHost) {
    this.#options = options;
    this.#host = host;
    const { queue } = options.store;
    this.#shared =
      queue &&
      new SharedQueue(
        queue,
        { freeSlots: () => this.#freeSlots(), take: (run) => this.#take(run) },
        options.log,
      );
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
    const { runs } = this.#options.store;
    const started = (async () => {
      try {
        return (await runs.findByIdempotencyKey(key)) ?? (await this.#create(params, serviceId));
      } catch (error) {
        // Another node of the cluster created the key's run meanwhile: the key is unique in the index.
        const other = await runs.findByIdempotencyKey(key).catch(() => undefined);
        if (other) return other;
        throw error;
      }
    })();
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

  /** Starts queued runs from now on, and claims runs from the cluster's queue. */
  open(): void {
    this.#isOpen = true;
    this.#shared?.start();
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
    this.#shared?.close();
    this.#queue.clear();
  }

  /** Starts queued runs into the free slots; slots still free then claim from the cluster's queue. */
  pump(): void {
    while (
      this.#isOpen &&
      !this.#isClosing &&
      !this.#isHeld &&
      this.#host.runningCount() < this.#options.maxConcurrent
    ) {
      const runId = this.#queue.shift();
      if (runId === undefined) break;
      const run = this.#host.lookup(runId);
      if (run) this.#host.launch(run);
    }
    if (this.#freeSlots() > 0) this.#shared?.wake();
  }

  /**
   * Claims a run that still waits in the cluster's queue and makes it here, queued and not to start:
   * what ends a run no node has taken yet (run.cancel) ends it with a directory, as any other.
   */
  async claimHere(runId: string): Promise<ActiveRun | undefined> {
    const stored = await this.#options.store.queue?.claimRun(runId);
    if (!stored) return undefined;
    if (await this.#take(stored, false)) return this.#host.lookup(runId);
    await this.#options.store.queue!.release(runId);
    return undefined;
  }

  /**
   * Gives a run a previous daemon of this node claimed, and died making, back to the cluster's queue,
   * then deletes what of its directory was made: no other run can have a directory named by its id.
   */
  async handBack(runId: string): Promise<void> {
    await this.#options.store.queue!.release(runId);
    await rm(join(this.#options.runsDir, runId), { recursive: true, force: true });
  }

  /** How many more runs could start here now: none before the node starts runs, or once it stops. */
  #freeSlots(): number {
    return this.#isOpen && !this.#isClosing && !this.#isHeld ? this.#unusedSlots() : 0;
  }

  /** The slots no run, queued run, run being admitted or claim takes. */
  #unusedSlots(): number {
    const taken =
      this.#host.runningCount() + this.#queue.size + this.#admitting + (this.#shared?.pending ?? 0);
    return this.#options.maxConcurrent - taken;
  }

  async #create(params: RunStartParams, serviceId: string | null): Promise<ActiveRun | RunRecord> {
    const { store } = this.#options;
    const action = params.action === undefined ? undefined : await store.actions.get(params.action);
    if (params.action !== undefined && !action)
      throw new RunyardError('action_not_found', { name: params.action });
    const spec = action ? applyAction(action.spec, params) : plainSpec(params);
    const provenance = { actionId: action?.spec.name ?? null, serviceId };
    // A run this node has no slot for waits in the cluster's queue, for whichever node has one first;
    // a service's runs stay with its supervisor, and a run whose outputDir names a path on this node here.
    // A node that has not begun to start runs yet (it starts them once it serves) still has its slots.
    if (this.#shared && serviceId === null && spec.outputDir === undefined && this.#unusedSlots() <= 0)
      return this.#enqueueShared(spec, provenance);
    this.#admitting++;
    try {
      return await this.#createHere(spec, provenance);
    } finally {
      this.#admitting--;
    }
  }

  async #createHere(spec: ResolvedRunSpec, provenance: Provenance): Promise<ActiveRun> {
    const { store, maxQueued } = this.#options;
    if (this.#queue.size >= maxQueued) throw new RunyardError('queue_full', { limit: maxQueued });
    const created = await createRun(spec, provenance, this.#createOptions());
    const { record } = created;
    try {
      await indexed(store.runs.insert({ record, request: spec, attempts: [], process: null, results: null }));
    } catch (error) {
      await created.discard();
      throw error;
    }
    const { run, queued } = this.#adoptQueued(created, spec, true);
    // Answered once its first event is written too: a daemon killed after the answer finds the whole
    // run, event log included, and a subscriber's seq 1 is the same line after a restart.
    await run.events.writtenThrough(queued);
    return run;
  }

  /** Accepted into the cluster's queue: durable there once answered, and made by the node that claims it. */
  async #enqueueShared(spec: ResolvedRunSpec, provenance: Provenance): Promise<RunRecord> {
    const { store, maxQueued } = this.#options;
    const record = await queuedRun(spec, provenance, this.#options);
    const stored = { record, request: spec, attempts: [], process: null, results: null };
    if (!(await indexed(store.queue!.enqueue(stored, maxQueued))))
      throw new RunyardError('queue_full', { limit: maxQueued });
    return record;
  }

  /** While this node makes the run (a claim): what resolves once it is made, or given up. */
  making(runId: string): Promise<boolean> | undefined {
    return this.#making.get(runId);
  }

  /**
   * Makes a run this node claimed from the cluster's queue, as it was accepted, and queues it here
   * (to start unless `starts` is false). False when it could not be made: it goes back to the queue.
   */
  #take(stored: StoredRun, starts = true): Promise<boolean> {
    const { runId } = stored.record;
    const making = this.#make(stored, starts).finally(() => this.#making.delete(runId));
    this.#making.set(runId, making);
    return making;
  }

  async #make(stored: StoredRun, starts: boolean): Promise<boolean> {
    const { record } = stored;
    // Stored as accepted, so resolved already: its defaults are filled in again only for the type.
    const request = resolveRunSpec(stored.request);
    const provenance = { actionId: record.actionId, serviceId: record.serviceId };
    let created: NewRun | undefined;
    try {
      created = await createRun(request, provenance, this.#createOptions(), record);
      // Claimed as the daemon began to shut down: it would only wait here for this node's next start.
      if (this.#isClosing) throw new RunyardError('daemon_shutting_down', {});
      await this.#options.store.runs.update({ ...stored, record: created.record });
    } catch (error) {
      await created?.discard();
      if (!this.#isClosing)
        this.#options.log.error('could not make a run claimed from the shared queue', {
          runId: record.runId,
          error,
        });
      return false;
    }
    this.#adoptQueued(created, request, starts);
    return true;
  }

  /** The new run, active and queued here; returns its first event's seq. */
  #adoptQueued(created: NewRun, spec: ResolvedRunSpec, starts: boolean): { run: ActiveRun; queued: number } {
    const run = this.#host.adopt({
      record: created.record,
      plan: created.plan,
      request: spec,
      retry: created.retry,
      attempts: [],
      logSizes: { stdout: 0, stderr: 0 },
      lastSeq: 0,
      release: created.release,
    });
    const queued = run.events.append({ type: 'status', status: 'queued' });
    if (starts) this.enqueue(run);
    return { run, queued: queued.seq };
  }

  #createOptions() {
    const { runsDir, killGraceMs, nodeId } = this.#options;
    return { runsDir, claims: this.claims, defaultKillGraceMs: killGraceMs, nodeId };
  }
}

/** The index's own failure, as run.start reports it: store_unavailable says more (the database will answer again). */
async function indexed<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof RunyardError) throw error;
    throw new RunyardError('index_failed', { cause: (error as Error).message });
  }
}
