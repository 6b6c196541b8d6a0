// Errors the SDK throws: RpcError (and its generated subclasses) for answers, the rest for the connection.

/** The daemon answered with a JSON-RPC error. `reason` is the stable machine-readable cause. */
export class RpcError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
    const reason = (data as { reason?: unknown } | undefined)?.reason;
    this.reason = typeof reason === 'string' ? reason : undefined;
  }
}

/** The connection closed (or could not be used) before the answer arrived. */
export class ConnectionClosedError extends Error {
  readonly closeCode: number | undefined;
  constructor(message: string, closeCode?: number) {
    super(message);
    this.name = 'ConnectionClosedError';
    this.closeCode = closeCode;
  }
}

/**
 * Why a connection could not be made, in stable words: `no_daemon` (Node: no state directory or
 * daemon.json to find it by), `no_token` (Node: the token file cannot be read),
 * `unreachable` (nothing answered at the URL; in a browser also any refusal the daemon can only answer
 * in HTTP, which a page cannot read), `token_refused` (HTTP 401 or close code 4401), `origin_refused`
 * (close code 4403), `handshake_refused` (any other refusal: HTTP 403 for a foreign Host, 400, 404).
 * The three refusals will not change by retrying, so the SDK never reconnects after one.
 */
export type ConnectFailure =
  'no_daemon' | 'no_token' | 'unreachable' | 'token_refused' | 'origin_refused' | 'handshake_refused';

const refusals: ReadonlySet<ConnectFailure> = new Set([
  'token_refused',
  'origin_refused',
  'handshake_refused',
]);

/** The daemon could not be found or reached, or refused the handshake: `reason` says which. */
export class ConnectError extends Error {
  readonly reason: ConnectFailure;
  /** The HTTP status of a refused handshake, where the client could read one (not in browsers). */
  readonly status: number | undefined;
  /** The close code of a refused handshake (4401, 4403), where the daemon answered with one. */
  readonly closeCode: number | undefined;
  constructor(
    message: string,
    reason: ConnectFailure,
    details: { status?: number; closeCode?: number } = {},
  ) {
    super(message);
    this.name = 'ConnectError';
    this.reason = reason;
    this.status = details.status;
    this.closeCode = details.closeCode;
  }

  /** True when the daemon refused the client: retrying would get the same answer. */
  get isRefusal(): boolean {
    return refusals.has(this.reason);
  }
}

/** No answer within the call's timeout. */
export class RequestTimeoutError extends Error {
  readonly method: string;
  readonly timeoutMs: number;
  constructor(method: string, timeoutMs: number) {
    super(`${method} got no answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}
