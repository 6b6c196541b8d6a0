// Event fan-out: who listens to which run's events, and the narrow face subscriptions read events through.
import type { RunEvent, RunEventsResult } from '../schema/run-event.js';
import type { RunRecord } from '../schema/run.js';

export type EventListener = (runId: string, event: RunEvent) => void;

/** What a subscription needs of the engine: a run, its event log (replay, last seq, liveness), its events as they happen. */
export interface RunEventSource {
  get(runId: string): Promise<RunRecord>;
  /** A page of a run's event log as it is on disk, after the events not yet written have been. */
  readEvents(runId: string, fromSeq: number, limit: number): Promise<RunEventsResult>;
  /** The seq of the newest event; 0 before the first. */
  lastSeq(runId: string): Promise<number>;
  /** True when every event before `nextSeq` has been emitted and the run is still producing events. */
  isLive(runId: string, nextSeq: number): boolean;
  /** Listens to every event of one run, or (runId null) to status events of all runs; returns the unsubscribe. */
  onEvent(runId: string | null, listener: EventListener): () => void;
}

export class EventHub {
  readonly #byRun = new Map<string, Set<EventListener>>();
  readonly #statusOfAll = new Set<EventListener>();

  on(runId: string | null, listener: EventListener): () => void {
    if (runId === null) {
      this.#statusOfAll.add(listener);
      return () => this.#statusOfAll.delete(listener);
    }
    const listeners = this.#byRun.get(runId) ?? new Set();
    this.#byRun.set(runId, listeners.add(listener));
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#byRun.get(runId) === listeners) this.#byRun.delete(runId);
    };
  }

  emit(runId: string, event: RunEvent): void {
    for (const listener of this.#byRun.get(runId) ?? []) listener(runId, event);
    if (event.type === 'status') this.emitStatus(runId, event);
  }

  /** A status event for the listeners to every run's status only: one of another node's runs. */
  emitStatus(runId: string, event: RunEvent): void {
    for (const listener of this.#statusOfAll) listener(runId, event);
  }
}
