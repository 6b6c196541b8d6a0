// run.follow: a run's events as an async iterator that survives reconnects and gaps, each event exactly once.
import type { Connection } from './connection.js';
import { ConnectionClosedError } from './errors.js';
import type { RunSubscription, RunyardNotifications } from './generated.js';
import type { FollowedEvent } from './output-frame.js';
import type { Session } from './session.js';

export interface FollowOptions {
  /** First seq to deliver. Default: only events from now on (for a finished run: its end event). */
  fromSeq?: number;
  /** Stop following; the iterator then ends. */
  signal?: AbortSignal;
}

type Pushed = { method: 'run.event' | 'run.gap'; params: { subscriptionId: string } };

export async function* followRun(
  session: Session,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<FollowedEvent> {
  let nextSeq = options.fromSeq;
  while (!options.signal?.aborted) {
    let connection: Connection;
    try {
      connection = await session.connection(options.signal);
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    }
    const inbox = new Inbox(connection, options.signal);
    try {
      const subscription = (await connection.call(
        'run.subscribe',
        // Output as binary frames: its bytes as they are, no JSON text to escape, parse and encode again.
        { runId, outputFrames: 'binary', ...(nextSeq !== undefined ? { fromSeq: nextSeq } : {}) },
        options.signal ? { signal: options.signal } : {},
      )) as RunSubscription;
      nextSeq = subscription.nextSeq;
      for await (const pushed of inbox.for(subscription.subscriptionId)) {
        if (pushed.method === 'run.gap') break; // the daemon ended the subscription; resubscribe from nextSeq
        const { event } = pushed.params as RunyardNotifications['run.event'] & { event: FollowedEvent };
        if (event.seq < nextSeq) continue; // already delivered before a reconnect
        nextSeq = event.seq + 1;
        yield event;
        if (event.type === 'end') return;
      }
    } catch (error) {
      if (options.signal?.aborted) return;
      if (!(error instanceof ConnectionClosedError)) throw error;
      // Lost the connection: the loop reconnects and resubscribes from the last seq delivered.
    } finally {
      inbox.close();
    }
  }
}

/** Notifications of one connection, queued until the iterator asks for them. */
class Inbox {
  readonly #queue: Pushed[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  readonly #stopListening: () => void;
  readonly #connection: Connection;
  readonly #signal: AbortSignal | undefined;
  #subscriptionId: string | undefined;

  constructor(connection: Connection, signal: AbortSignal | undefined) {
    this.#connection = connection;
    this.#signal = signal;
    // Registered before subscribing: the first events may arrive right behind the answer.
    this.#stopListening = connection.onNotification((method, params) => {
      if (method !== 'run.event' && method !== 'run.gap') return;
      this.#queue.push({ method, params } as Pushed);
      this.#wake?.();
    });
    const wake = () => this.#wake?.();
    connection.closed.then(wake, wake);
    signal?.addEventListener('abort', () => this.#wake?.(), { once: true });
  }

  async *for(subscriptionId: string): AsyncGenerator<Pushed> {
    this.#subscriptionId = subscriptionId;
    for (;;) {
      if (this.#signal?.aborted) return;
      const index = this.#queue.findIndex((item) => item.params.subscriptionId === subscriptionId);
      if (index >= 0) {
        yield this.#queue.splice(index, 1)[0]!;
        continue;
      }
      if (this.#done) return;
      if (this.#connection.isClosed) throw new ConnectionClosedError('connection lost while following');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  close(): void {
    this.#done = true;
    this.#stopListening();
    if (this.#subscriptionId && !this.#connection.isClosed) {
      // Best effort: the subscription also ends with the connection or its end event.
      this.#connection.call('run.unsubscribe', { subscriptionId: this.#subscriptionId }).catch(() => {});
    }
  }
}
