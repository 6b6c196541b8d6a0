// Opens a WebSocket to the daemon with the platform's own WebSocket, as browsers, webviews and Node 22+ have.
import { ConnectError } from './errors.js';
import { BEARER_PREFIX, PROTOCOL } from './generated.js';

/** The part of the WebSocket API the SDK uses; browsers' WebSocket and ws both provide it. */
export interface SocketLike {
  readonly readyState: number;
  /** How binary messages (output frames) arrive: set to 'arraybuffer' where the default is a Blob. */
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: (event: unknown) => void): void;
}

/**
 * Opens a socket that the daemon accepted the upgrade of; rejects with ConnectError otherwise. Without a
 * token the daemon's own dashboard page is let in by its session cookie, which the browser sends itself.
 */
export type SocketOpener = (url: string, token: string | undefined) => Promise<SocketLike>;

type NativeWebSocket = new (url: string, protocols: string[]) => SocketLike;

export const nativeWebSocket = (): NativeWebSocket | undefined =>
  (globalThis as { WebSocket?: NativeWebSocket }).WebSocket;

/**
 * The platform's WebSocket cannot set headers on the handshake, so the token travels as a subprotocol,
 * and it cannot read the HTTP status of a refusal: the daemon refuses such a handshake in band, with a
 * close code, which the Session reads (see REFUSAL_CLOSE_CODES).
 */
export const openNativeSocket: SocketOpener = async (url, token) => {
  const Native = nativeWebSocket();
  if (!Native) throw new ConnectError('this platform has no global WebSocket', 'unreachable');
  const protocols = token === undefined ? [PROTOCOL] : [PROTOCOL, BEARER_PREFIX + token];
  const socket = new Native(url, protocols);
  // A Blob (browsers' default) could only be read asynchronously, out of order with the text messages.
  socket.binaryType = 'arraybuffer';
  return opened(socket, url, () => undefined);
};

/** Resolves once the upgrade is accepted; a failure before that rejects, with the HTTP status if known. */
export function opened(socket: SocketLike, url: string, refusedStatus: () => number | undefined) {
  return new Promise<SocketLike>((resolve, reject) => {
    let settled = false;
    socket.addEventListener('open', () => {
      settled = true;
      resolve(socket);
    });
    const fail = () => {
      if (settled) return;
      settled = true;
      reject(refusal(url, refusedStatus()));
    };
    socket.addEventListener('error', fail);
    socket.addEventListener('close', fail);
  });
}

function refusal(url: string, status: number | undefined): ConnectError {
  if (status === undefined) return new ConnectError(`cannot connect to runyard at ${url}`, 'unreachable');
  if (status === 401)
    return new ConnectError(`runyard at ${url} refused the token (HTTP 401)`, 'token_refused', { status });
  const what = status === 403 ? "this client's Origin or Host" : 'the connection';
  return new ConnectError(`runyard at ${url} refused ${what} (HTTP ${status})`, 'handshake_refused', {
    status,
  });
}
