// Who may open a connection: the token, the Origin allow-list and the Host check against DNS rebinding.
import type { IncomingMessage } from 'node:http';
import { BEARER_PREFIX } from '../schema/transport.js';
import { tokenMatches } from './token.js';

export interface HandshakePolicy {
  token: string;
  allowOrigins: ReadonlySet<string>;
  /** Host names (without port) a request may be addressed to. */
  allowHosts: ReadonlySet<string>;
  port: () => number;
}

export type Refusal = { status: 401 | 403; message: string };

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

function hostAllowed(policy: HandshakePolicy, host: string | undefined): boolean {
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

/** undefined when the request may proceed. Host and Origin are checked before the token. */
export function checkHandshake(policy: HandshakePolicy, request: IncomingMessage): Refusal | undefined {
  if (!hostAllowed(policy, request.headers.host)) {
    return { status: 403, message: 'Host not allowed' };
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !policy.allowOrigins.has(origin)) {
    return { status: 403, message: 'Origin not allowed; start the daemon with --allow-origin to permit it' };
  }
  if (!tokenMatches(policy.token, presentedToken(request))) {
    return { status: 401, message: 'missing or invalid token' };
  }
  return undefined;
}
