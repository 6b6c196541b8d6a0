// The dashboard's HTTP face: the built page (dist/dashboard, flat files) with its security headers, and
// /login/<code>, which turns a one-time code into the session cookie.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { mediaTypeOf } from '../fs/media-type.js';
import { packageFile } from '../fs/package-root.js';
import type { Logger } from '../log.js';
import { sessionSetCookie } from './dashboard-session.js';
import { hostAllowed, remoteOf, headerForLog, type HandshakePolicy } from './handshake.js';
import type { LoginCodes } from './login-codes.js';

/**
 * Where the built page is: the package's dist/dashboard, so that an installed package serves its own. RUNYARD_DASHBOARD_DIR replaces it, for developing the page and for tests.
 */
export const DASHBOARD_DIR_ENV = 'RUNYARD_DASHBOARD_DIR';
const builtDir = () => process.env[DASHBOARD_DIR_ENV] ?? packageFile('dist/dashboard');

// A flat file name that is not a dotfile: no `/`, no `..`, no `%2F` (the path is not decoded).
const FLAT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// esbuild's `[name]-[hash]`: a dash and 8 or more upper-case letters and digits before the extension.
const HASHED_NAME = /-[A-Z0-9]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
export const LOGIN_PATH = '/login/';
const LOGIN_CODE = /^[A-Za-z0-9_-]{1,128}$/;

/** The headers of every dashboard answer. connect-src names ws: too, which older `'self'` does not cover. */
const securityHeaders = (host: string): Record<string, string> => ({
  'content-security-policy':
    `default-src 'self'; connect-src 'self' ws://${host}; img-src 'self' data:; style-src 'self'; ` +
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

export interface DashboardOptions {
  policy: HandshakePolicy;
  loginCodes: LoginCodes;
  log: Logger;
}

/**
 * Answers GET and HEAD for `/`, `/<file>` and `/login/<code>`; false for any other path, which is not
 * the dashboard's.
 */
export type DashboardRoutes = (request: IncomingMessage, response: ServerResponse, path: string) => boolean;

export function dashboardRoutes(options: DashboardOptions): DashboardRoutes {
  const { policy, log } = options;
  return (request, response, path) => {
    const code = path.startsWith(LOGIN_PATH) ? path.slice(LOGIN_PATH.length) : undefined;
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (code === undefined ? !FLAT_NAME.test(name) : !LOGIN_CODE.test(code)) return false;
    // The Host check keeps a DNS-rebound name from reading the page as its own origin.
    const host = request.headers.host;
    if (!hostAllowed(policy, host)) {
      log.warn('request refused', {
        reason: 'foreign_host',
        host: headerForLog(host),
        status: 403,
        remote: remoteOf(request.socket),
      });
      send(response, 403, {}, 'Host not allowed');
      return true;
    }
    if (code !== undefined) {
      login(request, response, code, options);
      return true;
    }
    serveFile(response, builtDir(), name, securityHeaders(host!)).catch((error: unknown) => {
      log.error('serving the dashboard failed', { file: name, error: String(error) });
      if (!response.headersSent) send(response, 500, {}, 'internal error');
    });
    return true;
  };
}

/**
 * The code leaves the address bar at once (303 to /), so it reaches no history, bookmark or Referer;
 * neither the code nor the cookie is logged.
 */
function login(request: IncomingMessage, response: ServerResponse, code: string, options: DashboardOptions) {
  const { policy, loginCodes, log } = options;
  const headers = { ...securityHeaders(request.headers.host!), 'cache-control': 'no-store' };
  const remote = remoteOf(request.socket);
  // A HEAD (a link preview, a prefetch) must not use up the code the browser is about to present.
  if (request.method !== 'GET') return send(response, 405, headers, 'method not allowed');
  if (!loginCodes.redeem(code)) {
    log.warn('dashboard login refused', { reason: 'bad_login_code', status: 403, remote });
    return send(
      response,
      403,
      headers,
      'This login link was already used, has expired (after 60 s) or is unknown: run `runyard dashboard` again.\n',
    );
  }
  log.info('dashboard login', { remote });
  response
    .writeHead(303, {
      ...headers,
      location: '/',
      'set-cookie': sessionSetCookie(policy.token, policy.port()),
      'content-length': 0,
    })
    .end();
}

async function serveFile(
  response: ServerResponse,
  dir: string,
  name: string,
  headers: Record<string, string>,
) {
  const file = join(dir, name);
  const [index, found] = await Promise.all([isFile(join(dir, 'index.html')), isFile(file)]);
  if (!index) {
    return send(
      response,
      503,
      { ...headers, 'cache-control': 'no-cache' },
      `The dashboard is not built: run \`npm run build\` (looked in ${dir}).\n`,
    );
  }
  if (!found) return send(response, 404, { ...headers, 'cache-control': 'no-cache' }, 'not found');
  const cache = name !== 'index.html' && HASHED_NAME.test(name) ? IMMUTABLE : 'no-cache';
  const body = await readFile(file);
  send(response, 200, { ...headers, 'cache-control': cache }, body, mediaType(name));
}

const isFile = (path: string) =>
  stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );

// The page's own text types carry their charset; the rest are as for artifacts.
const mediaType = (name: string) => {
  const type = mediaTypeOf(name);
  return /^text\/|javascript|json|svg/.test(type) ? `${type}; charset=utf-8` : type;
};

/** Node leaves out the body of an answer to HEAD, keeping its Content-Length. */
function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
) {
  response
    .writeHead(status, { ...headers, 'content-type': type, 'content-length': Buffer.byteLength(body) })
    .end(body);
}
