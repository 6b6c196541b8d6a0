// HTTP and the WebSocket upgrade: /healthz, /openrpc.json, and /rpc behind the handshake checks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL, RPC_PATH } from '../schema/transport.js';
import { checkHandshake, offeredProtocols, type HandshakePolicy } from './handshake.js';

export interface ServerOptions {
  host: string;
  port: number;
  policy: Omit<HandshakePolicy, 'port'>;
  maxPayloadBytes: number;
  /** The OpenRPC document served at /openrpc.json (it names the URL, known once listening). */
  openrpcJson: () => string;
  onConnection: (socket: WebSocket, request: IncomingMessage) => void;
}

export interface HttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<HttpServer> {
  let port = options.port;
  const policy: HandshakePolicy = { ...options.policy, port: () => port };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes,
    // The bearer subprotocol is never echoed back: we select runyard.v1, which clients must offer.
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return respond(response, 405, 'method not allowed');
    if (path === '/healthz') return respond(response, 200, '{"status":"ok"}\n', 'application/json');
    if (path === '/openrpc.json') {
      const refusal = checkHandshake(policy, request);
      if (refusal) return respond(response, refusal.status, refusal.message);
      return respond(response, 200, options.openrpcJson(), 'application/json');
    }
    respond(response, 404, 'not found');
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== RPC_PATH) return refuseUpgrade(socket, 404, 'not found');
    const refusal = checkHandshake(policy, request);
    if (refusal) return refuseUpgrade(socket, refusal.status, refusal.message);
    if (offeredProtocols(request).length > 0 && !offeredProtocols(request).includes(PROTOCOL)) {
      return refuseUpgrade(socket, 400, `offer the subprotocol ${PROTOCOL}`);
    }
    wss.handleUpgrade(request, socket, head, (ws) => options.onConnection(ws, request));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  port = address.port;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `ws://${host}:${port}${RPC_PATH}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function respond(response: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') {
  const headers: Record<string, string | number> = {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  response.writeHead(status, headers).end(body);
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
};

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const auth = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${auth}Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
