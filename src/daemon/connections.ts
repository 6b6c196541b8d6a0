// Live WebSocket connections: feed messages to the dispatcher, send answers, keep dead peers from piling up.
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import type { RunEventSource } from '../runs/event-hub.js';
import { drained, isBackedUp, LOW_WATER_BYTES } from './backpressure.js';
import type { CallContext } from './methods/types.js';
import type { RpcDispatcher } from './rpc.js';
import { SubscriptionHub } from './subscriptions.js';

// A peer that misses two pings in a row (a sleeping laptop, a dropped network) is dropped.
const PING_INTERVAL_MS = 30_000;
/** RFC 6455 close code 1003: the endpoint received a type of data it cannot accept. */
const UNSUPPORTED_DATA = 1003;

export class Connections {
  readonly #sockets = new Map<WebSocket, CallContext>();
  readonly #alive = new WeakSet<WebSocket>();
  /** Unsent bytes of each socket at the last ping, to tell a paused but draining client from a dead one. */
  readonly #backlogAtPing = new WeakMap<WebSocket, number>();
  readonly #dispatcher: RpcDispatcher<CallContext>;
  readonly #events: RunEventSource;
  readonly #log: Logger;
  readonly #pinger: NodeJS.Timeout;

  constructor(dispatcher: RpcDispatcher<CallContext>, events: RunEventSource, log: Logger) {
    this.#dispatcher = dispatcher;
    this.#events = events;
    this.#log = log;
    this.#pinger = setInterval(() => this.#ping(), PING_INTERVAL_MS);
    this.#pinger.unref();
  }

  /** `remote` is the peer's address:port, for the log; `isForwarded`: the peer is another node. */
  accept(socket: WebSocket, remote: string, isForwarded = false): void {
    const openedAt = Date.now();
    const closed = new AbortController();
    const context: CallContext = {
      connectionId: randomUUID(),
      subscriptions: new SubscriptionHub(socket, this.#events, this.#log),
      signal: closed.signal,
      isForwarded,
    };
    this.#sockets.set(socket, context);
    this.#alive.add(socket);
    this.#log.debug('connection opened', { connectionId: context.connectionId, remote });
    socket.on('pong', () => this.#alive.add(socket));
    socket.on('close', (code) => {
      this.#sockets.delete(socket);
      context.subscriptions.close();
      closed.abort();
      const durationMs = Date.now() - openedAt;
      this.#log.debug('connection closed', { connectionId: context.connectionId, remote, code, durationMs });
    });
    // ws closes the socket itself on protocol violations (1002) and oversize frames (1009).
    socket.on('error', (error) =>
      this.#log.warn('connection error', { connectionId: context.connectionId, error: error.message }),
    );
    socket.on('message', (data, isBinary) => {
      // Text frames only: ws has checked their UTF-8, which it never does for binary ones.
      if (isBinary) return socket.close(UNSUPPORTED_DATA, 'binary frames are not accepted; send text frames');
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString();
      this.#dispatcher.handle(text, context).then(
        (answer) => {
          if (answer !== undefined && socket.readyState === socket.OPEN)
            this.#send(socket, JSON.stringify(answer));
        },
        (error: unknown) => this.#log.error('dispatch failed', { connectionId: context.connectionId, error }),
      );
    });
  }

  /** What daemon.info reports: connections open now and the run subscriptions they hold. */
  stats(): { open: number; subscriptions: number } {
    let subscriptions = 0;
    for (const context of this.#sockets.values()) subscriptions += context.subscriptions.size;
    return { open: this.#sockets.size, subscriptions };
  }

  /** Closes every connection with 1001 (going away) and waits until they are gone. */
  async close(): Promise<void> {
    clearInterval(this.#pinger);
    await Promise.all(
      [...this.#sockets.keys()].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === socket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close(1001, 'daemon shutting down');
            setTimeout(() => socket.terminate(), 1_000).unref();
          }),
      ),
    );
  }

  /** A backed-up socket is not read until it drains: TCP then pushes back on the client's requests. */
  #send(socket: WebSocket, text: string): void {
    socket.send(text);
    if (!isBackedUp(socket) || socket.isPaused) return;
    socket.pause();
    const resume = drained(socket, LOW_WATER_BYTES).then(() => {
      if (socket.readyState === socket.OPEN) socket.resume();
    });
    background(resume, this.#log, 'resuming a backed-up connection failed');
  }

  #ping(): void {
    for (const socket of this.#sockets.keys()) {
      // A paused socket (see #send) cannot read the pong its client sent; while its backlog shrinks the
      // client is reading, so it is alive. One that drains nothing for a whole interval is dropped.
      const backlog = socket.bufferedAmount;
      const isDraining = socket.isPaused && backlog < (this.#backlogAtPing.get(socket) ?? Infinity);
      this.#backlogAtPing.set(socket, backlog);
      if (!this.#alive.has(socket) && !isDraining) {
        socket.terminate();
        continue;
      }
      this.#alive.delete(socket);
      socket.ping();
    }
  }
}
