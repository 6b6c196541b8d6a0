// One connection's subscriptions: replay from disk, then live events (or events relayed from the run's own
// node), and a gap notice for a slow reader.
import type { WebSocket } from 'ws';
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import type { RunEventSource } from '../runs/event-hub.js';
import { outputBytes } from '../run-dir/output-bytes.js';
import { RunyardError } from '../schema/errors.js';
import type { RunEvent } from '../schema/run-event.js';
import type { Relay, RelaySink } from './peers.js';
import { drained, HIGH_WATER_BYTES, isBackedUp, LOW_WATER_BYTES } from './backpressure.js';
import { outputFrame } from './output-frame.js';

export interface SubscriptionLimits {
  maxSubscriptions: number;
  /** Past this many bytes waiting in the socket, live events are dropped and a gap is reported. */
  highWaterBytes: number;
  /** The gap notice goes out once the socket has drained below this. */
  lowWaterBytes: number;
}

export const defaultSubscriptionLimits: SubscriptionLimits = {
  maxSubscriptions: 1_024,
  highWaterBytes: HIGH_WATER_BYTES,
  lowWaterBytes: LOW_WATER_BYTES,
};

interface Subscription {
  id: string;
  /** null: status events of every run. */
  runId: string | null;
  nextSeq: number;
  /** Output events as binary frames (run.subscribe's outputFrames: 'binary') instead of JSON text. */
  binaryOutput: boolean;
  /** replay: reading the log from disk; live: sending as events happen; gapped: dropping until drained. */
  mode: 'replay' | 'live' | 'gapped';
  gap?: { fromSeq: number | null; toSeq: number | null };
  stopListening: () => void;
  closed: boolean;
}

const REPLAY_PAGE = 256;

// An output event carries up to 1 MiB of text, and every subscriber of its run (a dashboard open in
// several tabs) sends the same event: it is serialised once, however many subscriptions send it.
const serialised = new WeakMap<RunEvent, string>();
function eventJson(event: RunEvent): string {
  let json = serialised.get(event);
  if (json === undefined) serialised.set(event, (json = JSON.stringify(event)));
  return json;
}
const RETRY_READ_MS = 20;

export class SubscriptionHub {
  readonly #socket: WebSocket;
  readonly #events: RunEventSource;
  readonly #log: Logger;
  readonly #limits: SubscriptionLimits;
  readonly #subscriptions = new Map<string, Subscription>();
  /** subscribe() calls still looking their run up: each holds a slot under maxSubscriptions. */
  #pending = 0;
  #counter = 0;
  #isClosed = false;

  constructor(socket: WebSocket, events: RunEventSource, log: Logger, limits = defaultSubscriptionLimits) {
    this.#socket = socket;
    this.#events = events;
    this.#log = log;
    this.#limits = limits;
  }

  /** Subscriptions open on this connection. */
  get size(): number {
    return this.#subscriptions.size;
  }

  async subscribe(
    runId: string | undefined,
    fromSeq: number | undefined,
    outputFrames: 'json' | 'binary' = 'json',
  ): Promise<{ subscriptionId: string; nextSeq: number }> {
    // Checked and reserved with no await between: calls that look their runs up concurrently cannot all
    // pass the check (1,100 at once on one connection used to get 1,100 subscriptions).
    this.#assertRoom();
    const id = `s${++this.#counter}`;
    if (runId === undefined) {
      const subscription = this.#add(id, null, 1, 'live', false); // status events only: no output
      return { subscriptionId: subscription.id, nextSeq: subscription.nextSeq };
    }
    // The slot is held while the run is looked up, then handed to the subscription or given back.
    this.#pending++;
    let nextSeq: number;
    try {
      await this.#events.get(runId); // run_not_found before anything else
      const lastSeq = await this.#events.lastSeq(runId);
      const live = this.#events.isLive(runId, lastSeq + 1);
      // Without fromSeq: what comes next, or for a finished run its end event.
      nextSeq = fromSeq ?? (live ? lastSeq + 1 : Math.max(lastSeq, 1));
      if (nextSeq <= lastSeq) await this.#events.readEvents(runId, nextSeq, 1); // seq_not_available now, not later
    } finally {
      this.#pending--;
    }
    const subscription = this.#add(id, runId, nextSeq, 'replay', outputFrames === 'binary');
    // After the answer is on its way: the client must see subscriptionId before the first event.
    setImmediate(() => background(this.#replay(subscription), this.#log, 'replay failed', { runId }));
    return { subscriptionId: id, nextSeq };
  }

  /**
   * A subscription to a run of another node, whose events `open` relays from there (see peers.ts): it
   * gets the same ids, frames, backpressure and gap notices as one of this node's runs. A relay lost
   * (the owner gone) ends it with run.gap from the next seq, from which the client resubscribes.
   */
  async relay(
    runId: string,
    outputFrames: 'json' | 'binary' = 'json',
    open: (sink: RelaySink) => Promise<Relay>,
  ): Promise<{ subscriptionId: string; nextSeq: number }> {
    this.#assertRoom();
    const id = `s${++this.#counter}`;
    // What the owner pushes before our answer is sent waits: the client must see subscriptionId first.
    const waiting: ((subscription: Subscription) => void)[] = [];
    let flowing: Subscription | undefined;
    const whenAnswered = (action: (subscription: Subscription) => void) =>
      flowing ? action(flowing) : waiting.push(action);
    this.#pending++;
    let relay: Relay;
    try {
      relay = await open({
        event: (event) => whenAnswered((live) => this.#onLive(live, runId, event)),
        lost: () => whenAnswered((live) => this.#reportGap(live)),
      });
    } finally {
      this.#pending--;
    }
    const subscription = this.#add(id, runId, relay.nextSeq, 'live', outputFrames === 'binary', relay.stop);
    if (subscription.closed) relay.stop();
    setImmediate(() => {
      for (const action of waiting.splice(0)) action(subscription);
      flowing = subscription;
    });
    return { subscriptionId: id, nextSeq: relay.nextSeq };
  }

  unsubscribe(subscriptionId: string): boolean {
    const subscription = this.#subscriptions.get(subscriptionId);
    if (subscription) this.#remove(subscription);
    return subscription !== undefined;
  }

  close(): void {
    this.#isClosed = true;
    for (const subscription of this.#subscriptions.values()) this.#remove(subscription);
  }

  /** A subscription being made holds its slot (#pending) from this check on. */
  #assertRoom(): void {
    const { maxSubscriptions } = this.#limits;
    if (this.#subscriptions.size + this.#pending >= maxSubscriptions) {
      throw new RunyardError('too_many_subscriptions', { limit: maxSubscriptions });
    }
  }

  #add(
    id: string,
    runId: string | null,
    nextSeq: number,
    mode: Subscription['mode'],
    binaryOutput: boolean,
    /** Where its events come from instead of this node's engine: a relay from another node. */
    stopRelay?: () => void,
  ): Subscription {
    const subscription: Subscription = {
      id,
      runId,
      nextSeq,
      binaryOutput,
      mode,
      stopListening: () => {},
      closed: false,
    };
    // subscribe() looks the run up first: a connection that closed meanwhile must not get a subscription
    // nobody would ever remove (it would replay and listen for as long as the daemon runs).
    if (this.#isClosed) {
      subscription.closed = true;
      return subscription;
    }
    subscription.stopListening =
      stopRelay ??
      this.#events.onEvent(runId, (eventRunId, event) => this.#onLive(subscription, eventRunId, event));
    this.#subscriptions.set(id, subscription);
    return subscription;
  }

  #remove(subscription: Subscription): void {
    subscription.closed = true;
    subscription.stopListening();
    this.#subscriptions.delete(subscription.id);
  }

  async #replay(subscription: Subscription): Promise<void> {
    const runId = subscription.runId!;
    try {
      while (!subscription.closed) {
        // Checked and switched with no await between: every later event reaches us live.
        if (this.#events.isLive(runId, subscription.nextSeq)) {
          subscription.mode = 'live';
          return;
        }
        const page = await this.#events.readEvents(runId, subscription.nextSeq, REPLAY_PAGE);
        for (const event of page.events) {
          if (subscription.closed) return;
          this.#deliver(subscription, runId, event);
          await drained(this.#socket, this.#limits.highWaterBytes);
        }
        if (page.events.length === 0 && !page.end) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_READ_MS)); // a write failed; try again
        } else if (page.end && page.events.at(-1)?.type !== 'end') {
          // A finished run whose log has no end event (written by an older daemon): end it here.
          const run = await this.#events.get(runId);
          this.#deliver(subscription, runId, {
            seq: subscription.nextSeq,
            time: run.finishedAt ?? new Date().toISOString(),
            type: 'end',
            status: run.status,
          });
        }
      }
    } catch (error) {
      this.#log.error('replay failed', { runId, subscriptionId: subscription.id, error });
      this.#reportGap(subscription);
    }
  }

  #onLive(subscription: Subscription, runId: string, event: RunEvent): void {
    if (subscription.closed || subscription.mode === 'replay') return;
    const perRun = subscription.runId !== null;
    if (perRun && event.seq < subscription.nextSeq) return; // subscribed from a seq still to come
    if (subscription.mode === 'gapped') {
      if (perRun) subscription.gap!.toSeq = event.seq;
      return;
    }
    if (isBackedUp(this.#socket, this.#limits.highWaterBytes)) {
      subscription.mode = 'gapped';
      subscription.gap = perRun ? { fromSeq: event.seq, toSeq: event.seq } : { fromSeq: null, toSeq: null };
      const reported = drained(this.#socket, this.#limits.lowWaterBytes).then(() =>
        this.#reportGap(subscription),
      );
      background(reported, this.#log, 'reporting a gap failed', { runId });
      return;
    }
    this.#deliver(subscription, runId, event);
  }

  #deliver(subscription: Subscription, runId: string, event: RunEvent): void {
    if (this.#socket.readyState === this.#socket.OPEN)
      this.#socket.send(
        subscription.binaryOutput && event.type === 'output'
          ? outputFrame(subscription.id, runId, event, outputBytes(event))
          : `{"jsonrpc":"2.0","method":"run.event","params":{"subscriptionId":${JSON.stringify(subscription.id)},` +
              `"runId":${JSON.stringify(runId)},"event":${eventJson(event)}}}`,
      );
    subscription.nextSeq = event.seq + 1;
    if (event.type === 'end') this.#remove(subscription);
  }

  #reportGap(subscription: Subscription): void {
    if (subscription.closed) return;
    const gap = subscription.gap ?? {
      fromSeq: subscription.runId ? subscription.nextSeq : null,
      toSeq: null,
    };
    this.#notify('run.gap', { subscriptionId: subscription.id, runId: subscription.runId, ...gap });
    this.#remove(subscription);
  }

  #notify(method: string, params: object): void {
    if (this.#socket.readyState === this.#socket.OPEN)
      this.#socket.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }
}
