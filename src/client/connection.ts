// One JSON-RPC session over one socket: calls with timeouts and abort signals, typed errors, notifications.
//
// The client half of JSON-RPC is ours rather than json-rpc-2.0's: that package is CommonJS, which a
// browser cannot import as an ES module, and all the SDK needed of it was the id → pending call map below.
import { ConnectionClosedError, RequestTimeoutError, RpcError } from './errors.js';
import { errorClasses, type CallOptions } from './generated.js';
import { readOutputFrame } from './output-frame.js';
import type { SocketLike } from './socket.js';

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export type NotificationHandler = (method: string, params: unknown) => void;

interface Pending {
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

type Answer = { id?: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } };

export class Connection {
  readonly #socket: SocketLike;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  readonly #notificationHandlers = new Set<NotificationHandler>();
  #closeError: ConnectionClosedError | undefined;
  readonly closed: Promise<ConnectionClosedError>;

  constructor(socket: SocketLike) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => this.#receive(event.data));
    this.closed = new Promise((resolve) => {
      socket.addEventListener('close', (event) => {
        const error = new ConnectionClosedError(
          `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`,
          event.code,
        );
        this.#closeError = error;
        for (const pending of this.#pending.values()) pending.reject(error);
        resolve(error);
      });
    });
  }

  call(method: string, params: object, options: CallOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const { signal } = options;
    if (this.#closeError) return Promise.reject(this.#closeError);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => settle(reject, signal!.reason);
      const timer = setTimeout(() => settle(reject, new RequestTimeoutError(method, timeoutMs)), timeoutMs);
      const settle = <T>(how: (value: T) => void, value: T) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
        how(value);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (result) => settle(resolve, result),
        reject: (error) => settle(reject, error),
      });
      this.#socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  get isClosed(): boolean {
    return this.#closeError !== undefined;
  }

  onNotification(handler: NotificationHandler): () => void {
    this.#notificationHandlers.add(handler);
    return () => this.#notificationHandlers.delete(handler);
  }

  close(): Promise<void> {
    if (!this.#closeError) this.#socket.close(1000, 'client closed');
    return this.closed.then(() => undefined);
  }

  /** A text message is JSON; a binary one, an output frame of a subscription that asked for them. */
  #receive(data: unknown) {
    const message =
      ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? readOutputFrame(data) : parseJson(data);
    // Anything else a daemon never sends; nothing sensible to do with it.
    if (!message || typeof message !== 'object') return;
    if ('method' in message && !('id' in message)) {
      const { method, params } = message as { method: string; params: unknown };
      for (const handler of this.#notificationHandlers) handler(method, params);
      return;
    }
    const answer = message as Answer;
    // An answer nobody waits for any more (its call timed out or was aborted) is dropped.
    const pending = typeof answer.id === 'number' ? this.#pending.get(answer.id) : undefined;
    if (!pending) return;
    if (answer.error) {
      const { code, message: text, data } = answer.error;
      const ErrorClass = errorClasses[code] ?? RpcError;
      pending.reject(new ErrorClass(code, text, data));
    } else pending.resolve(answer.result);
  }
}

function parseJson(data: unknown): unknown {
  try {
    return JSON.parse(String(data));
  } catch {
    return undefined;
  }
}
