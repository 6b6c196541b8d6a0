// Services at run time: one run per action, restart policies with backoff and a start limit, clean restarts;
// in a cluster, only for the services whose lease this node holds.
import { background } from '../async/background.js';
import { KeyedSerialQueue } from '../async/serial.js';
import type { Logger } from '../log.js';
import type { RunEngine } from '../runs/engine.js';
import { isTerminal } from '../runs/lifecycle.js';
import { retryDelayMs } from '../runs/retry.js';
import type { RunStatus } from '../schema/run.js';
import type { Service, ServiceStatus } from '../schema/service.js';
import type { Catalog } from './catalog.js';
import { ServiceLeases, type Supervision } from './leases.js';
import { resolveServiceAction, type ResolvedServiceAction } from './policy.js';
import { SupervisedElsewhere } from './supervised-elsewhere.js';

type LastFailure = ServiceStatus['actions'][number]['lastFailure'];

interface ActionSlot {
  policy: ResolvedServiceAction;
  runId: string | null;
  restarts: number;
  /** When each restart happened, for the start limit's sliding window. */
  restartTimes: number[];
  nextRestartAt: string | null;
  timer?: NodeJS.Timeout;
  /** A restart whose run is being created right now; a stop waits for it, then cancels that run too. */
  launching?: Promise<void>;
  stopListening?: () => void;
  lastFailure: LastFailure;
}

/** One start of a service; a stop or a new start replaces it, and late events of the old one are ignored. */
interface Generation {
  slots: ActionSlot[];
  starting: boolean;
  failed: boolean;
  stopped: boolean;
  /** The epoch of this node's lease of the service; null on a store of one node, which has no leases. */
  epoch: number | null;
}

const FAILURES: readonly RunStatus[] = ['failed', 'timed_out', 'interrupted'];

/** Why a node cancels its runs of a service it no longer supervises. */
const movedAway = (service: string) => ({
  reason: 'cancelled' as const,
  message: `service ${service} is supervised afresh by a node of the cluster`,
});

export class ServiceManager {
  readonly #engine: RunEngine;
  readonly #catalog: Catalog;
  readonly #log: Logger;
  readonly #leases: ServiceLeases;
  readonly #generations = new Map<string, Generation>();
  // start, stop, restart and delete of one service run one at a time, so two starts never make two sets of runs.
  readonly #serially = new KeyedSerialQueue<string>();
  #closed = false;

  /**
   * Without `supervision` (SQLite, memory) this daemon supervises every service. With it, a call about a
   * service whose lease another live node holds throws SupervisedElsewhere, for the daemon to forward.
   */
  constructor(engine: RunEngine, catalog: Catalog, log: Logger, supervision?: Supervision) {
    this.#engine = engine;
    this.#catalog = catalog;
    this.#log = log;
    this.#leases = new ServiceLeases(supervision);
  }

  start(name: string, replaceExistingJobs = true): Promise<ServiceStatus> {
    return this.#serially.run(name, async () => {
      const service = await this.#definitionOf(name);
      const epoch = await this.#leases.claim(name, true);
      return this.#startNow(service, replaceExistingJobs, epoch);
    });
  }

  stop(name: string, removeJobs = false): Promise<ServiceStatus> {
    return this.#serially.run(name, async () => {
      await this.#catalog.getService(name);
      await this.#leases.claim(name, false);
      return this.#stopNow(name, removeJobs);
    });
  }

  /** The service, once it and every action it names are found. */
  async #definitionOf(name: string): Promise<Service> {
    const service = await this.#catalog.getService(name);
    for (const { action } of service.spec.actions) await this.#catalog.getAction(action);
    return service;
  }

  async #startNow(
    service: Service,
    replaceExistingJobs: boolean,
    epoch: number | null,
  ): Promise<ServiceStatus> {
    const { name } = service.spec;
    await this.#retire(name);
    const generation: Generation = {
      slots: service.spec.actions.map((policy) => ({
        policy: resolveServiceAction(policy),
        runId: null,
        restarts: 0,
        restartTimes: [],
        nextRestartAt: null,
        lastFailure: null,
      })),
      starting: true,
      failed: false,
      stopped: false,
      epoch,
    };
    this.#generations.set(name, generation);
    try {
      if (replaceExistingJobs) {
        await this.#engine.cancelService(name);
        await this.#engine.forgetFinished(name);
      }
      for (const slot of generation.slots) await this.#launch(name, generation, slot);
    } finally {
      generation.starting = false;
    }
    return this.#status(name);
  }

  /** Stops a service its caller has found. */
  async #stopNow(name: string, removeJobs: boolean): Promise<ServiceStatus> {
    await this.#retire(name);
    await this.#engine.cancelService(name);
    if (removeJobs) await this.#engine.forgetFinished(name);
    return this.#status(name);
  }

  /** Stop, then start with replacement, as one step: no other start of the service gets in between. */
  restart(name: string): Promise<ServiceStatus> {
    return this.#serially.run(name, async () => {
      const service = await this.#definitionOf(name);
      const epoch = await this.#leases.claim(name, true);
      await this.#stopNow(name, false);
      return this.#startNow(service, true, epoch);
    });
  }

  delete(name: string): Promise<boolean> {
    return this.#serially.run(name, async () => {
      await this.#catalog.getService(name);
      await this.#leases.answerHere(name);
      await this.#retire(name);
      await this.#engine.cancelService(name);
      this.#generations.delete(name);
      return this.#catalog.deleteService(name);
    });
  }

  async status(name: string): Promise<ServiceStatus> {
    await this.#catalog.getService(name);
    await this.#leases.answerHere(name);
    return this.#status(name);
  }

  /**
   * In a cluster, after each heartbeat: takes the leases of services wanted running whose supervisor is
   * gone, and starts them here. Their old runs are not replaced: the dead node's were ended by failover
   * and stay in the index, to be read.
   */
  async takeOver(): Promise<void> {
    if (this.#closed) return;
    for (const { service, epoch } of await this.#leases.takeOver()) {
      this.#log.warn('took over a service whose supervisor is gone', {
        service,
        nodeId: this.#leases.nodeId,
        epoch,
      });
      await this.#serially
        // Shutting down meanwhile: the lease goes back with the others once the runs have stopped.
        .run(
          service,
          async () =>
            void (this.#closed || (await this.#startNow(await this.#definitionOf(service), false, epoch))),
        )
        .catch((error: unknown) =>
          this.#log.error('could not start a service taken over', { service, error }),
        );
    }
  }

  /**
   * In a cluster, after each heartbeat: a service whose lease this node lost (it was paused or cut off
   * past the dead-node threshold, and another node took the service over) is no longer supervised here,
   * and its runs here are cancelled, so that one node at a time runs it.
   */
  async checkLeases(): Promise<void> {
    const held = [...this.#generations]
      .filter(([, generation]) => !generation.stopped && generation.epoch !== null)
      .map(([service, generation]) => ({ service, epoch: generation.epoch!, generation }));
    const lost = await this.#leases.lost(held);
    for (const { service, epoch, generation } of held) {
      if (!lost.has(service)) continue;
      await this.#serially.run(service, async () => {
        // Started again or stopped meanwhile: that call settled the lease.
        if (this.#generations.get(service) !== generation || generation.stopped) return;
        this.#log.warn('service lease lost', { service, nodeId: this.#leases.nodeId, epoch });
        await this.#retire(service);
        await this.#engine.cancelService(service, movedAway(service));
      });
    }
  }

  /**
   * In a cluster, at start, before the queue opens: the leases a previous life of this node held go back
   * (it supervises nothing yet), and the service runs it left queued are cancelled, so that each service
   * wanted running is started once more, by one node's takeover, with fresh runs and none beside them.
   */
  async startAfresh(): Promise<void> {
    if (this.#leases.nodeId === undefined) return;
    for (const { spec } of await this.#catalog.listServices())
      await this.#engine.cancelService(spec.name, movedAway(spec.name));
    // Cancelled first, then handed back: a node that takes a service over at once finds nothing of it queued here.
    await this.#leases.release();
  }

  /** In a cluster, at shutdown once the runs have stopped: another node takes the services at its next heartbeat. */
  releaseLeases(): Promise<void> {
    return this.#leases.release();
  }

  /** Whether this node still holds the generation's lease: asked before each restart, a fenced step. */
  async #isStillHeld(name: string, generation: Generation): Promise<boolean> {
    if (generation.epoch === null) return true;
    return !(await this.#leases.lost([{ service: name, epoch: generation.epoch }])).has(name);
  }

  /**
   * Starts every service marked `autostart`, each on its own: one that cannot start is logged and
   * the others still start. Resolves with the names of those that started.
   */
  async autostart(): Promise<string[]> {
    const marked = (await this.#catalog.listServices()).filter((service) => service.spec.autostart);
    const started: string[] = [];
    for (const { spec } of marked) {
      try {
        await this.start(spec.name);
        started.push(spec.name);
      } catch (error) {
        // In a cluster the first node to start it supervises it; the others leave it to that one.
        if (error instanceof SupervisedElsewhere) {
          this.#log.info('a service marked autostart is supervised by another node', {
            service: spec.name,
            nodeId: error.nodeId,
          });
          continue;
        }
        this.#log.error('could not autostart a service', { service: spec.name, error });
      }
    }
    return started;
  }

  /**
   * Stops every restart timer; called before the engine cancels runs at shutdown, so nothing
   * restarts. Resolves once restarts under way have created their runs, which the engine then cancels.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#generations.keys()].map((name) => this.#retire(name)));
  }

  async #launch(name: string, generation: Generation, slot: ActionSlot): Promise<void> {
    slot.nextRestartAt = null;
    const run = await this.#engine.start({ action: slot.policy.action }, name);
    slot.runId = run.runId;
    slot.stopListening?.();
    slot.stopListening = this.#engine.onEvent(run.runId, (runId, event) => {
      if (event.type !== 'end') return;
      const ended = this.#ended(name, generation, slot, runId, event.status);
      background(ended, this.#log, 'could not handle the end of a service run', { service: name, runId });
    });
  }

  async #ended(name: string, generation: Generation, slot: ActionSlot, runId: string, status: RunStatus) {
    slot.stopListening?.();
    slot.stopListening = undefined;
    if (generation.stopped || this.#closed) return;
    if (FAILURES.includes(status)) {
      const run = await this.#engine.get(runId);
      slot.lastFailure = { runId, status, at: run.finishedAt ?? new Date().toISOString(), error: run.error };
    }
    const { restart, startLimit, backoff } = slot.policy;
    const wanted =
      status !== 'cancelled' &&
      (restart === 'always' || (restart === 'on-failure' && FAILURES.includes(status)));
    if (!wanted) return;
    const { maxRestarts, windowMs } = startLimit;
    const now = Date.now();
    slot.restartTimes = slot.restartTimes.filter((time) => time > now - windowMs);
    if (slot.restartTimes.length >= maxRestarts) {
      generation.failed = true;
      this.#log.warn('service action passed its start limit; the service is failed', {
        service: name,
        action: slot.policy.action,
        maxRestarts,
        windowMs,
      });
      return;
    }
    const delay = retryDelayMs(backoff, slot.restartTimes.length + 1);
    slot.restartTimes.push(now);
    slot.restarts++;
    slot.nextRestartAt = new Date(now + delay).toISOString();
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (generation.stopped) return;
      slot.launching = this.#relaunch(name, generation, slot)
        .catch((error: unknown) => {
          slot.nextRestartAt = null;
          this.#log.error('could not restart a service action', {
            service: name,
            action: slot.policy.action,
            error,
          });
        })
        .finally(() => (slot.launching = undefined));
    }, delay);
  }

  /**
   * A restart, once this node is found to hold the lease still: a supervisor paused past the dead-node
   * threshold may resume to a timer due, while another node supervises the service. One that lost it
   * starts nothing; the lease check after its next heartbeat ends the generation.
   */
  async #relaunch(name: string, generation: Generation, slot: ActionSlot): Promise<void> {
    if (await this.#isStillHeld(name, generation)) return this.#launch(name, generation, slot);
    slot.nextRestartAt = null;
    this.#log.warn('service lease lost; not restarting', { service: name, action: slot.policy.action });
  }

  /**
   * Ends the current generation: no timer fires and no late end event restarts anything. Resolves
   * once restarts already under way have created their runs, so a following cancel reaches them.
   */
  async #retire(name: string): Promise<void> {
    const generation = this.#generations.get(name);
    if (!generation) return;
    generation.stopped = true;
    for (const slot of generation.slots) {
      clearTimeout(slot.timer);
      slot.nextRestartAt = null;
      slot.stopListening?.();
    }
    await Promise.all(generation.slots.flatMap((slot) => slot.launching ?? []));
  }

  async #status(name: string): Promise<ServiceStatus> {
    const { spec } = await this.#catalog.getService(name);
    const generation = this.#generations.get(name);
    const now = Date.now();
    const actions = await Promise.all(
      spec.actions.map(async (policy, index) => {
        const slot = generation?.slots[index];
        const run = slot?.runId ? await this.#engine.get(slot.runId).catch(() => undefined) : undefined;
        const running = run?.status === 'running';
        return {
          action: policy.action,
          runId: run?.runId ?? null,
          status: run?.status ?? null,
          uptimeMs: running && run.startedAt ? Math.max(0, now - Date.parse(run.startedAt)) : null,
          pid: running ? this.#engine.pidOf(run.runId) : null,
          restarts: slot?.restarts ?? 0,
          startLimit: (slot?.policy ?? resolveServiceAction(policy)).startLimit,
          nextRestartAt: slot?.nextRestartAt ?? null,
          lastFailure: slot?.lastFailure ?? null,
        };
      }),
    );
    const { nodeId } = this.#leases;
    return {
      name,
      state: stateOf(generation, actions),
      ...(nodeId === undefined ? {} : { nodeId }),
      actions,
    };
  }
}

function stateOf(
  generation: Generation | undefined,
  actions: ServiceStatus['actions'],
): ServiceStatus['state'] {
  if (!generation || generation.stopped) return 'stopped';
  if (generation.failed) return 'failed';
  if (generation.starting) return 'starting';
  const active = actions.filter((action) => action.status !== null && !isTerminal(action.status));
  const troubled = actions.some(
    (action) =>
      action.nextRestartAt !== null ||
      (action.status !== null && isTerminal(action.status) && action.status !== 'succeeded'),
  );
  if (troubled) return 'degraded';
  return active.length > 0 ? 'running' : 'stopped';
}
