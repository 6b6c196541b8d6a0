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
 * Why a connection could not be made: `no_daemon` (no daemon.json, or nothing answers at the URL),
 * `no_token` (the token file cannot be read), `token_refused` (HTTP 401), `handshake_refused` (any
 * other refusal of the handshake, e.g. 403 for a foreign Origin or Host).
 */
export type ConnectFailure = 'no_daemon' | 'no_token' | 'token_refused' | 'handshake_refused';

/** The daemon could not be reached, or refused the handshake (`status` 401: bad token, 403: Origin or Host). */
export class ConnectError extends Error {
  readonly status: number | undefined;
  readonly reason: ConnectFailure;
  constructor(message: string, status?: number, reason?: ConnectFailure) {
    super(message);
    this.name = 'ConnectError';
    this.status = status;
    this.reason =
      reason ?? (status === undefined ? 'no_daemon' : status === 401 ? 'token_refused' : 'handshake_refused');
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
