// Who may open a connection: the token, the Origin allow-list and the Host check against DNS rebinding.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { BEARER_PREFIX, PROTOCOL, REFUSAL_CLOSE_CODES } from '../schema/transport.js';
import { sessionCookie, sessionValid } from './dashboard-session.js';
import { tokenMatches } from './token.js';

export interface HandshakePolicy {
  token: string;
  allowOrigins: ReadonlySet<string>;
  /** Host names (without port) a request may be addressed to. */
  allowHosts: ReadonlySet<string>;
  port: () => number;
}

/** Why a handshake was refused, as the log names it. */
export type RefusalReason =
  'foreign_host' | 'foreign_origin' | 'missing_token' | 'bad_token' | 'missing_session' | 'bad_session';
/**
 * `fields` name what was refused (the Host, the Origin), for the log; never the token. `closeCode` is
 * the in-band answer to a browser-style handshake (see answersInBand); a foreign Host has none.
 */
export type Refusal = {
  status: 401 | 403;
  message: string;
  reason: RefusalReason;
  closeCode?: number;
  fields?: Record<string, string>;
};

/**
 * A handshake in the form a browser must use (it offers runyard.v1 and cannot send Authorization) is
 * refused in band: upgraded, then closed at once with a close code, the only answer a page can read.
 * Any other client gets the HTTP status, as it can read one.
 */
export const answersInBand = (request: IncomingMessage): boolean =>
  request.headers.authorization === undefined && offeredProtocols(request).includes(PROTOCOL);

/** `address:port` of the peer, as the log names it. */
export function remoteOf({
  remoteAddress,
  remotePort,
}: Pick<Socket, 'remoteAddress' | 'remotePort'>): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
}

// A header value is the peer's text: a log line carries enough of it to recognise, not 16 KiB of it.
const MAX_LOGGED_CHARS = 200;
export const headerForLog = (value: string | undefined) =>
  value === undefined
    ? '(none)'
    : value.length > MAX_LOGGED_CHARS
      ? `${value.slice(0, MAX_LOGGED_CHARS)}…`
      : value;

export function offeredProtocols(request: IncomingMessage): string[] {
  return (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter(Boolean);
}

function presentedToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (match) return match[1];
  return offeredProtocols(request)
    .find((protocol) => protocol.startsWith(BEARER_PREFIX))
    ?.slice(BEARER_PREFIX.length);
}

/** True when `host` is loopback or the listen address, with the daemon's port. */
export function hostAllowed(policy: HandshakePolicy, host: string | undefined): boolean {
  if (!host) return false;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return false;
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 80 : Number(url.port);
  return policy.allowHosts.has(hostname) && port === policy.port();
}

/**
 * The dashboard's own origin: the page the daemon served, on the Host it was asked for (already checked).
 * A same-origin GET (the page fetching /openrpc.json) sends no Origin, only Sec-Fetch-Site.
 */
function fromOwnOrigin(host: string, origin: string | undefined, request: IncomingMessage): boolean {
  if (origin === undefined) return request.headers['sec-fetch-site'] === 'same-origin';
  return origin === new URL(`http://${host}`).origin;
}

/**
 * undefined when the request may proceed. Host and Origin are checked before the token. The daemon's own
 * origin needs no --allow-origin, but then only the dashboard's session cookie admits it: never a token,
 * and a cookie never admits any other origin (SameSite does not tell ports apart; the Origin does).
 */
export function checkHandshake(policy: HandshakePolicy, request: IncomingMessage): Refusal | undefined {
  const { host, origin } = request.headers;
  if (!hostAllowed(policy, host)) {
    return {
      status: 403,
      message: 'Host not allowed',
      reason: 'foreign_host',
      fields: { host: headerForLog(host) },
    };
  }
  const listed = origin === undefined || policy.allowOrigins.has(origin);
  const own = fromOwnOrigin(host!, origin, request);
  if (!listed && !own) {
    return {
      status: 403,
      message: 'Origin not allowed; start the daemon with --allow-origin to permit it',
      reason: 'foreign_origin',
      closeCode: REFUSAL_CLOSE_CODES.origin_refused,
      fields: { origin: headerForLog(origin) },
    };
  }
  const session = own ? sessionCookie(request.headers.cookie, policy.port()) : undefined;
  if (session !== undefined && sessionValid(policy.token, policy.port(), session)) return undefined;
  const token = presentedToken(request);
  if (listed && tokenMatches(policy.token, token)) return undefined;
  if (!listed) {
    return {
      status: 401,
      message: 'not logged in, or the session expired: run `runyard dashboard` to log in',
      reason: session === undefined ? 'missing_session' : 'bad_session',
      closeCode: REFUSAL_CLOSE_CODES.token_refused,
    };
  }
  return {
    status: 401,
    message: 'missing or invalid token',
    reason: token === undefined ? 'missing_token' : 'bad_token',
    closeCode: REFUSAL_CLOSE_CODES.token_refused,
  };
}
