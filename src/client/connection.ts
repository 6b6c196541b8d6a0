// One JSON-RPC session over one socket: calls with timeouts and abort signals, typed errors, notifications.
import { JSONRPCClient, JSONRPCErrorException, createJSONRPCErrorResponse } from 'json-rpc-2.0';
import { ConnectionClosedError, RequestTimeoutError, RpcError } from './errors.js';
import { errorClasses, type CallOptions } from './generated.js';
import type { SocketLike } from './socket.js';

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
// Never sent on the wire: json-rpc-2.0 answers a local timeout with this code, and we turn it into
// RequestTimeoutError before anyone sees it.
const LOCAL_TIMEOUT_CODE = -1;

export type NotificationHandler = (method: string, params: unknown) => void;

export class Connection {
  readonly #socket: SocketLike;
  readonly #rpc: JSONRPCClient;
  readonly #notificationHandlers = new Set<NotificationHandler>();
  #closeError: ConnectionClosedError | undefined;
  readonly closed: Promise<ConnectionClosedError>;

  constructor(socket: SocketLike) {
    this.#socket = socket;
    this.#rpc = new JSONRPCClient((request) => {
      if (this.#closeError) throw this.#closeError;
      socket.send(JSON.stringify(request));
    });
    socket.addEventListener('message', (event) => this.#receive(String(event.data)));
    this.closed = new Promise((resolve) => {
      socket.addEventListener('close', (event) => {
        this.#closeError = new ConnectionClosedError(
          `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`,
          event.code,
        );
        this.#rpc.rejectAllPendingRequests(this.#closeError.message);
        resolve(this.#closeError);
      });
    });
  }

  async call(method: string, params: object, options: CallOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    if (this.#closeError) throw this.#closeError;
    options.signal?.throwIfAborted();
    const request = this.#rpc
      .timeout(timeoutMs, (id) => createJSONRPCErrorResponse(id, LOCAL_TIMEOUT_CODE, 'timeout'))
      .request(method, params);
    const answer = options.signal ? raceAbort(Promise.resolve(request), options.signal) : request;
    try {
      return await answer;
    } catch (error) {
      throw this.#translate(error, method, timeoutMs);
    }
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

  #receive(text: string) {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // a daemon never sends this; nothing sensible to do with it
    }
    if (message && typeof message === 'object' && 'method' in message && !('id' in message)) {
      const { method, params } = message as { method: string; params: unknown };
      for (const handler of this.#notificationHandlers) handler(method, params);
      return;
    }
    this.#rpc.receive(message as Parameters<JSONRPCClient['receive']>[0]);
  }

  #translate(error: unknown, method: string, timeoutMs: number): unknown {
    // json-rpc-2.0 fails pending calls with a generic error carrying the message we gave it on close.
    if (this.#closeError && error instanceof Error && error.message === this.#closeError.message) {
      return this.#closeError;
    }
    if (!(error instanceof JSONRPCErrorException)) return error;
    if (error.code === LOCAL_TIMEOUT_CODE) return new RequestTimeoutError(method, timeoutMs);
    const ErrorClass = errorClasses[error.code] ?? RpcError;
    return new ErrorClass(error.code, error.message, error.data);
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
