// This node's connections to the other nodes of its cluster, over the same WebSocket JSON-RPC as any
// client, with the cluster's token: one per peer, opened on first use, closed on shutdown. Whatever keeps
// a peer from answering becomes node_unavailable, never a hang.
import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { Connection } from '../client/connection.js';
import { ConnectError, ConnectionClosedError, RequestTimeoutError, RpcError } from '../client/errors.js';
import { opened, type SocketLike } from '../client/socket.js';
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import type { ClusterNode } from '../schema/daemon.js';
import { errorRegistry, RunyardError, type ErrorReason } from '../schema/errors.js';
import { withOutputBytes } from '../run-dir/output-bytes.js';
import type { RunEvent } from '../schema/run-event.js';
import { FORWARDED_BY_HEADER, PROTOCOL } from '../schema/transport.js';
import { nodeUnavailable, type Owner, type RunOwner } from './node-unavailable.js';

// A peer that takes longer than this to accept a connection is as good as down to a client waiting on it.
const CONNECT_DEADLINE_MS = 3_000;
// A peer silent for one to two of these intervals is dropped. Its pong can lag behind a backlog of answers
// it is still sending, so not much less than the 20 s a call may wait.
const PING_INTERVAL_MS = 10_000;
// Under the SDK's own 30 s call timeout, so that a client of this node hears node_unavailable, not silence.
const ANSWER_DEADLINE_MS = 20_000;

/** Where a relayed subscription's events go. */
export interface RelaySink {
  event(event: RunEvent): void;
  /** The peer ended the subscription without its end event (a gap, or the connection lost). */
  lost(): void;
}

export interface Relay {
  nextSeq: number;
  /** Stops relaying and unsubscribes at the peer. */
  stop(): void;
}

export interface CallLimits {
  /** How long the peer may hold the call before answering (run.wait's timeoutMs). */
  holdsMs?: number;
  /** Aborted when the client that asked went away. */
  signal?: AbortSignal;
}

export class Peers {
  readonly #nodes: () => Promise<ClusterNode[]>;
  readonly #token: string;
  readonly #nodeId: string;
  readonly #log: Logger;
  readonly #peers = new Map<string, Peer>();
  #isClosed = false;

  constructor(nodes: () => Promise<ClusterNode[]>, token: string, nodeId: string, log: Logger) {
    this.#nodes = nodes;
    this.#token = token;
    this.#nodeId = nodeId;
    this.#log = log;
  }

  /** Calls `method` at the node that has the run; its own errors come back as they are. */
  async call(owner: Owner, method: string, params: object, limits: CallLimits = {}): Promise<unknown> {
    const peer = await this.#peer(owner);
    return peer.call(owner, method, params, limits);
  }

  /** Subscribes to the run's events at its node and relays them to `sink` until stopped or lost. */
  async subscribe(owner: RunOwner, params: object, sink: RelaySink): Promise<Relay> {
    const peer = await this.#peer(owner);
    return peer.subscribe(owner, params, sink);
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    await Promise.all([...this.#peers.values()].map((peer) => peer.close()));
    this.#peers.clear();
  }

  /** The peer, once its node is listed alive; a node the table says is gone is not even tried. */
  async #peer(owner: Owner): Promise<Peer> {
    const known = this.#peers.get(owner.nodeId);
    if (known?.isConnected) return known;
    const node = (await this.#nodes()).find((node) => node.nodeId === owner.nodeId);
    if (this.#isClosed) throw nodeUnavailable(owner, node?.url ?? 'unknown', 'this node is shutting down');
    if (!node) throw nodeUnavailable(owner, 'unknown', 'the cluster has no such node');
    if (node.state !== 'alive')
      throw nodeUnavailable(owner, node.url, `it is ${node.state} (last heartbeat ${node.lastHeartbeatAt})`);
    if (known && !known.isClosed && known.url === node.url) return known;
    // A node restarted at another URL: its old connection, if any, is of no use.
    if (known) background(known.close(), this.#log, 'closing a peer connection failed', { url: known.url });
    const peer = new Peer(node.url, this.#token, this.#nodeId, this.#log);
    this.#peers.set(owner.nodeId, peer);
    return peer;
  }
}

type Pushed = { method: string; params: { subscriptionId?: unknown; event?: RunEvent } };

/** One peer: its connection, opened again after it dropped, and the subscriptions relayed over it. */
class Peer {
  readonly url: string;
  readonly #token: string;
  readonly #nodeId: string;
  readonly #log: Logger;
  #connecting: Promise<Connection> | undefined;
  readonly #relays = new Map<string, RelaySink>();
  /** Pushed before its subscribe call's answer was read: events can follow right behind that answer. */
  readonly #unclaimed = new Map<string, Pushed[]>();
  #subscribing = 0;
  #isClosed = false;

  constructor(url: string, token: string, nodeId: string, log: Logger) {
    this.url = url;
    this.#token = token;
    this.#nodeId = nodeId;
    this.#log = log;
  }

  /** Connected, or connecting: calls go straight to it, with no look at the node table. */
  get isConnected(): boolean {
    return this.#connecting !== undefined && !this.#isClosed;
  }

  /** Its connection was lost or closed: the node is looked up again, and a new Peer made. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  async call(owner: Owner, method: string, params: object, limits: CallLimits): Promise<unknown> {
    const connection = await this.#connection(owner);
    const timeoutMs = (limits.holdsMs ?? 0) + ANSWER_DEADLINE_MS;
    try {
      return await connection.call(method, params, {
        timeoutMs,
        ...(limits.signal ? { signal: limits.signal } : {}),
      });
    } catch (error) {
      throw this.#failure(owner, error);
    }
  }

  async subscribe(owner: RunOwner, params: object, sink: RelaySink): Promise<Relay> {
    const connection = await this.#connection(owner);
    let answer: { subscriptionId: string; nextSeq: number };
    this.#subscribing++;
    try {
      answer = (await connection.call('run.subscribe', params, {
        timeoutMs: ANSWER_DEADLINE_MS,
      })) as typeof answer;
    } catch (error) {
      throw this.#failure(owner, error);
    } finally {
      if (--this.#subscribing === 0) setImmediate(() => this.#subscribing === 0 && this.#unclaimed.clear());
    }
    const { subscriptionId } = answer;
    this.#relays.set(subscriptionId, sink);
    const early = this.#unclaimed.get(subscriptionId) ?? [];
    this.#unclaimed.delete(subscriptionId);
    for (const pushed of early) this.#push(pushed);
    if (connection.isClosed && this.#relays.delete(subscriptionId)) sink.lost();
    return {
      nextSeq: answer.nextSeq,
      stop: () => {
        if (!this.#relays.delete(subscriptionId) || connection.isClosed) return;
        connection
          .call('run.unsubscribe', { subscriptionId }, { timeoutMs: ANSWER_DEADLINE_MS })
          .catch((error: unknown) =>
            this.#log.debug('unsubscribing at a peer failed', { url: this.url, error }),
          );
      },
    };
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    const connection = await this.#connecting?.catch(() => undefined);
    await connection?.close();
  }

  #connection(owner: Owner): Promise<Connection> {
    this.#connecting ??= this.#open().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting.catch((error: unknown) => {
      throw this.#failure(owner, error);
    });
  }

  async #open(): Promise<Connection> {
    // ws rather than the platform's WebSocket, which cannot send headers: the token, and the header that
    // tells the peer this call was forwarded once already and must not be forwarded again.
    const socket = new WebSocket(this.url, [PROTOCOL], {
      headers: { authorization: `Bearer ${this.#token}`, [FORWARDED_BY_HEADER]: this.#nodeId },
      handshakeTimeout: CONNECT_DEADLINE_MS,
    });
    let refusedStatus: number | undefined;
    socket.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
      refusedStatus = response.statusCode;
      response.resume();
      request.destroy(new Error(`HTTP ${response.statusCode}`));
    });
    // A host that drops packets never answers the TCP connect: the deadline covers it too.
    const deadline = setTimeout(() => socket.terminate(), CONNECT_DEADLINE_MS);
    try {
      await opened(socket as unknown as SocketLike, this.url, () => refusedStatus);
    } finally {
      clearTimeout(deadline);
    }
    const connection = new Connection(socket as unknown as SocketLike);
    connection.onNotification((method, params) => this.#push({ method, params } as Pushed));
    const stopPinging = pingUntilSilent(socket);
    // `closed` only ever resolves (with the reason), so this chain cannot reject.
    background(
      connection.closed.then(() => (stopPinging(), this.#lost())),
      this.#log,
      'ending the relays of a lost peer failed',
    );
    if (this.#isClosed) await connection.close();
    return connection;
  }

  #push(pushed: Pushed): void {
    if (pushed.method !== 'run.event' && pushed.method !== 'run.gap') return;
    const id = String(pushed.params.subscriptionId);
    const sink = this.#relays.get(id);
    if (!sink) {
      // Kept only while a subscribe call waits for its answer; anything else is of an ended relay.
      if (this.#subscribing > 0) this.#unclaimed.set(id, [...(this.#unclaimed.get(id) ?? []), pushed]);
      return;
    }
    if (pushed.method === 'run.gap') {
      this.#relays.delete(id);
      return sink.lost();
    }
    const event = pushed.params.event!;
    if (event.type === 'end') this.#relays.delete(id);
    sink.event(event.type === 'output' ? withFrameBytes(event) : event);
  }

  /** Every relay over the dropped connection ends; the next call opens another. */
  #lost(): void {
    this.#isClosed = true;
    const sinks = [...this.#relays.values()];
    this.#relays.clear();
    for (const sink of sinks) sink.lost();
  }

  /** The peer's own application errors pass through; failing to reach it is node_unavailable. */
  #failure(owner: Owner, error: unknown): unknown {
    if (error instanceof RunyardError) return error;
    if (error instanceof RpcError && error.reason && error.reason in errorRegistry) {
      const { reason: _reason, ...data } = error.data as Record<string, unknown>;
      return new RunyardError(error.reason as ErrorReason, data);
    }
    const cause =
      error instanceof ConnectionClosedError
        ? `the connection was lost during the call (${error.message})`
        : error instanceof RequestTimeoutError
          ? `no answer within ${error.timeoutMs / 1000} s`
          : error instanceof ConnectError
            ? error.message
            : undefined;
    if (cause === undefined) return error;
    return nodeUnavailable(owner, this.url, cause);
  }
}

/**
 * Pings the peer and drops the connection when a whole interval passes without its pong: a node paused
 * (SIGSTOP) or cut off keeps its TCP connection open, and the subscriptions relayed over it would wait
 * for events forever instead of ending with run.gap. Returns what stops the pings.
 */
function pingUntilSilent(socket: WebSocket): () => void {
  let hasAnswered = true;
  socket.on('pong', () => (hasAnswered = true));
  const pinger = setInterval(() => {
    if (!hasAnswered) return socket.terminate();
    hasAnswered = false;
    socket.ping();
  }, PING_INTERVAL_MS);
  pinger.unref();
  return () => clearInterval(pinger);
}

/** An output event of a binary frame, its bytes where this node's own frames and outputBytes() find them. */
function withFrameBytes(event: Extract<RunEvent, { type: 'output' }>): RunEvent {
  const { bytes } = event as { bytes?: Uint8Array };
  if (!bytes) return event;
  return withOutputBytes(event, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
