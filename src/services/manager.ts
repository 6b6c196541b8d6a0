// Services at run time: one run per action, restart policies with backoff and a start limit, clean restarts.
import { background } from '../async/background.js';
import { KeyedSerialQueue } from '../async/serial.js';
import type { Logger } from '../log.js';
import type { RunEngine } from '../runs/engine.js';
import { isTerminal } from '../runs/lifecycle.js';
import { retryDelayMs } from '../runs/retry.js';
import type { RunStatus } from '../schema/run.js';
import type { ServiceStatus } from '../schema/service.js';
import type { Catalog } from './catalog.js';
import { resolveServiceAction, type ResolvedServiceAction } from './policy.js';

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
}

const FAILURES: readonly RunStatus[] = ['failed', 'timed_out', 'interrupted'];

export class ServiceManager {
  readonly #engine: RunEngine;
  readonly #catalog: Catalog;
  readonly #log: Logger;
  readonly #generations = new Map<string, Generation>();
  // start, stop, restart and delete of one service run one at a time, so two starts never make two sets of runs.
  readonly #serially = new KeyedSerialQueue<string>();
  #closed = false;

  constructor(engine: RunEngine, catalog: Catalog, log: Logger) {
    this.#engine = engine;
    this.#catalog = catalog;
    this.#log = log;
  }

  start(name: string, replaceExistingJobs = true): Promise<ServiceStatus> {
    return this.#serially.run(name, () => this.#startNow(name, replaceExistingJobs));
  }

  stop(name: string, removeJobs = false): Promise<ServiceStatus> {
    return this.#serially.run(name, () => this.#stopNow(name, removeJobs));
  }

  async #startNow(name: string, replaceExistingJobs: boolean): Promise<ServiceStatus> {
    const service = await this.#catalog.getService(name);
    for (const { action } of service.spec.actions) await this.#catalog.getAction(action);
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

  async #stopNow(name: string, removeJobs: boolean): Promise<ServiceStatus> {
    await this.#catalog.getService(name);
    await this.#retire(name);
    await this.#engine.cancelService(name);
    if (removeJobs) await this.#engine.forgetFinished(name);
    return this.#status(name);
  }

  /** Stop, then start with replacement, as one step: no other start of the service gets in between. */
  restart(name: string): Promise<ServiceStatus> {
    return this.#serially.run(name, async () => {
      await this.#stopNow(name, false);
      return this.#startNow(name, true);
    });
  }

  delete(name: string): Promise<boolean> {
    return this.#serially.run(name, async () => {
      await this.#catalog.getService(name);
      await this.#retire(name);
      await this.#engine.cancelService(name);
      this.#generations.delete(name);
      return this.#catalog.deleteService(name);
    });
  }

  async status(name: string): Promise<ServiceStatus> {
    await this.#catalog.getService(name);
    return this.#status(name);
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
      slot.launching = this.#launch(name, generation, slot)
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
    return { name, state: stateOf(generation, actions), actions };
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
