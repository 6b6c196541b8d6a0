// HTTP and the WebSocket upgrade: /healthz, /openrpc.json, and /rpc behind the handshake checks.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { PROTOCOL, RPC_PATH } from '../schema/transport.js';
import { BurstWarning } from './burst-warning.js';
import { dashboardRoutes, LOGIN_PATH } from './dashboard-routes.js';
import { DescriptorWatch } from './descriptors.js';
import {
  answersInBand,
  checkHandshake,
  headerForLog,
  offeredProtocols,
  remoteOf,
  type HandshakePolicy,
} from './handshake.js';
import type { LoginCodes } from './login-codes.js';
import { PeerConnections } from './peer-limits.js';

export interface ServerOptions {
  host: string;
  port: number;
  policy: Omit<HandshakePolicy, 'port'>;
  maxPayloadBytes: number;
  /** A TCP connection that has not completed its request or upgrade within this is closed. */
  handshakeTimeoutMs: number;
  /** Read at every upgrade (a reload may change it). */
  maxConnectionsPerPeer: () => number;
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

  const peers = new PeerConnections(options.maxConnectionsPerPeer);
  const crowded = new BurstWarning(options.log, 'handshake refused');
  const slow = new BurstWarning(options.log, 'request refused');
  const dashboard = dashboardRoutes({ policy, loginCodes: options.loginCodes, log: options.log });
  const server = createServer(handshakeDeadline(options.handshakeTimeoutMs), (request, response) => {
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
    if (peers.isOverLimit(request.socket.remoteAddress)) {
      const limit = peers.limit;
      crowded.note({ reason: 'too_many_connections', limit, status: 429, remote: remoteOf(request.socket) });
      return refuseUpgrade(socket, 429, `this address has ${limit} connections open already`);
    }
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
    wss.handleUpgrade(request, socket, head, (ws) => {
      gatherAnswers(socket);
      options.onConnection(ws, request);
    });
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
    const fields = { reason: 'bad_request', detail: error.code ?? error.message, status, remote };
    // Half-open connections come in floods, when they come: one line per burst.
    if (status === 408) slow.note({ ...fields, reason: 'handshake_timeout' });
    else options.log.warn('request refused', fields);
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
  server.on('connection', (socket: Socket) => peers.track(socket));
  const descriptors = new DescriptorWatch(options.log);
  // After listen, an 'error' is a failed accept (EMFILE): libuv keeps listening, and so does the daemon.
  server.on('error', (error: NodeJS.ErrnoException) => descriptors.noteFailure(error, 'accept'));
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `ws://${host}:${port}${RPC_PATH}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        crowded.close();
        slow.close();
        descriptors.close();
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
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
};

/**
 * Node's own timers close a connection whose request is not complete in time (a silent one, or a slow
 * loris sending a header byte a second) with a 408; an upgraded one leaves them. Node checks every 30 s
 * by default, which would let a deadline of 5 s hold descriptors for 35.
 */
const handshakeDeadline = (timeoutMs: number) => ({
  headersTimeout: timeoutMs,
  requestTimeout: timeoutMs,
  connectionsCheckingInterval: Math.min(1_000, Math.ceil(timeoutMs / 5)),
});

const clientErrorStatus: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

/**
 * The answers to what one read brought are written together: a client with many calls in flight sends
 * them in one TCP segment, the daemon answers each in the microtasks that follow, and ws writes each
 * answer with a syscall of its own (a quarter of the daemon's CPU on run.status, 64 in flight). Corked
 * from the read until the event loop's next check phase, they leave in one writev; an answer that waits
 * for I/O is written when it is ready, as before. Cut the daemon's CPU per run.status from 31 to 24 µs.
 */
function gatherAnswers(socket: Duplex) {
  socket.on('data', () => {
    socket.cork();
    setImmediate(() => socket.uncork());
  });
}

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  const auth = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `${auth}Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}
