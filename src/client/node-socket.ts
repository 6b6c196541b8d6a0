// Node only: the platform's WebSocket where there is one (Node 22+), else the `ws` package (Node 20).
import type { ClientRequest, IncomingMessage } from 'node:http';
import { PROTOCOL } from './generated.js';
import { nativeWebSocket, openNativeSocket, opened, type SocketLike, type SocketOpener } from './socket.js';

export const openNodeSocket: SocketOpener = async (url, token) => {
  if (nativeWebSocket()) return openNativeSocket(url, token);
  // Imported lazily: ws is an optional dependency, absent where Node has a WebSocket of its own.
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, [PROTOCOL], {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  let refusedStatus: number | undefined;
  ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
    refusedStatus = response.statusCode;
    response.resume();
    request.destroy(new Error(`HTTP ${response.statusCode}`));
  });
  return opened(ws as unknown as SocketLike, url, () => refusedStatus);
};
