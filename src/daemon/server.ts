// HTTP and the WebSocket upgrade: /healthz, /openrpc.json, and /rpc behind the handshake checks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { dashboardRoutes, LOGIN_PATH } from './dashboard-routes.js';
import type { LoginCodes } from './login-codes.js';
import { PROTOCOL, RPC_PATH } from '../schema/transport.js';
import {
  answersInBand,
  checkHandshake,
  headerForLog,
  offeredProtocols,
  remoteOf,
  type HandshakePolicy,
} from './handshake.js';

export interface ServerOptions {
  host: string;
  port: number;
  policy: Omit<HandshakePolicy, 'port'>;
  maxPayloadBytes: number;
  /** The OpenRPC document served at /openrpc.json (it names the URL, known once listening). */
  openrpcJson: () => string;
  /** The dashboard's one-time codes, which daemon.dashboardLogin issues and /login/<code> redeems. */
  loginCodes: LoginCodes;
  onConnection: (socket: WebSocket, request: IncomingMessage) => void;
  /** Every refused handshake is logged at warn with its reason, so a 403 can be explained. */
  log: Logger;
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

  const dashboard = dashboardRoutes({ policy, loginCodes: options.loginCodes, log: options.log });
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return respond(response, 405, 'method not allowed');
    if (path === '/healthz') return respond(response, 200, '{"status":"ok"}\n', 'application/json');
    if (path === '/openrpc.json') {
      const refusal = checkHandshake(policy, request);
      if (refusal) {
        refused('request refused', request, refusal.status, refusal.reason, refusal.fields);
        return respond(response, refusal.status, refusal.message);
      }
      return respond(response, 200, options.openrpcJson(), 'application/json');
    }
    if (!dashboard(request, response, path)) respond(response, 404, 'not found');
  });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const refuse = (status: number, message: string, reason: string, fields?: Record<string, string>) => {
      refused('handshake refused', request, status, reason, fields);
      refuseUpgrade(socket, status, message);
    };
    // A login code in a path is a credential until used: the log names only its route.
    const logged = path.startsWith(LOGIN_PATH) ? `${LOGIN_PATH}…` : path;
    if (path !== RPC_PATH) return refuse(404, 'not found', 'bad_path', { path: headerForLog(logged) });
    const refusal = checkHandshake(policy, request);
    const closeCode = refusal?.closeCode;
    if (refusal && closeCode !== undefined && answersInBand(request)) {
      // Upgraded only to be closed: nothing the peer sends is acted on, and it learns only why it was refused.
      refused('handshake refused', request, refusal.status, refusal.reason, { ...refusal.fields, closeCode });
      return wss.handleUpgrade(request, socket, head, (ws) => ws.close(closeCode, refusal.message));
    }
    if (refusal) return refuse(refusal.status, refusal.message, refusal.reason, refusal.fields);
    const offered = offeredProtocols(request);
    if (offered.length > 0 && !offered.includes(PROTOCOL)) {
      // The offered names are not logged: one of them may be runyard.bearer.<token>.
      return refuse(400, `offer the subprotocol ${PROTOCOL}`, 'bad_subprotocol');
    }
    wss.handleUpgrade(request, socket, head, (ws) => options.onConnection(ws, request));
  });
  // A handshake ws itself rejects (no Sec-WebSocket-Key, a bad version or extension offer): with this
  // listener ws leaves the answer to us, so it is logged like the others.
  wss.on('wsClientError', (error, socket, request) => {
    refused('handshake refused', request, 400, 'bad_handshake', { detail: error.message });
    refuseUpgrade(socket, 400, error.message);
  });

  // A request Node cannot parse (headers over 16 KiB, not HTTP at all): answered as Node would, but logged.
  // A peer that hangs up mid-request is no refusal, and only worth a debug line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const remote = remoteOf(socket as Socket);
    if (error.code === 'ECONNRESET' || !socket.writable) {
      options.log.debug('connection dropped before its request was read', { remote, detail: error.code });
      socket.destroy();
      return;
    }
    const status = clientErrorStatus[error.code ?? ''] ?? 400;
    options.log.warn('request refused', {
      reason: 'bad_request',
      detail: error.code ?? error.message,
      status,
      remote,
    });
    socket.end(`HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\n\r\n`);
  });

  function refused(
    what: string,
    request: IncomingMessage,
    status: number,
    reason: string,
    fields: Record<string, string | number> = {},
  ) {
    options.log.warn(what, { reason, ...fields, status, remote: remoteOf(request.socket) });
  }

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
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

const clientErrorStatus: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const auth = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${auth}Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
