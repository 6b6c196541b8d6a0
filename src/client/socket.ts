// Opens a WebSocket to the daemon: the platform's own in browsers, the `ws` package in Node when there is none.
import { ConnectError } from './errors.js';
import { BEARER_PREFIX, PROTOCOL } from './generated.js';

/** The part of the WebSocket API the SDK uses; browsers' WebSocket and ws both provide it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'open' | 'error', listener: (event: unknown) => void): void;
}

export async function openSocket(url: string, token: string): Promise<SocketLike> {
  let refusedStatus: number | undefined;
  let socket: SocketLike;
  const Native = (globalThis as { WebSocket?: new (url: string, protocols: string[]) => SocketLike })
    .WebSocket;
  if (Native) {
    // Browsers cannot set headers on a WebSocket handshake; the token travels as a subprotocol.
    socket = new Native(url, [PROTOCOL, BEARER_PREFIX + token]);
  } else {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(url, [PROTOCOL], { headers: { authorization: `Bearer ${token}` } });
    ws.on('unexpected-response', (request, response) => {
      refusedStatus = response.statusCode;
      response.resume();
      request.destroy(new Error(`HTTP ${response.statusCode}`));
    });
    socket = ws as unknown as SocketLike;
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    socket.addEventListener('open', () => {
      settled = true;
      resolve(socket);
    });
    const fail = () => {
      if (settled) return;
      settled = true;
      reject(
        new ConnectError(
          refusedStatus === 401
            ? `runyard at ${url} refused the token (HTTP 401)`
            : refusedStatus === 403
              ? `runyard at ${url} refused this client's Origin or Host (HTTP 403)`
              : refusedStatus
                ? `runyard at ${url} refused the connection (HTTP ${refusedStatus})`
                : `cannot connect to runyard at ${url}`,
          refusedStatus,
        ),
      );
    };
    socket.addEventListener('error', fail);
    socket.addEventListener('close', fail);
  });
}
