// The dashboard's HTTP face: the built page (dist/dashboard, flat files) with its security headers.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediaTypeOf } from '../fs/media-type.js';
import type { Logger } from '../log.js';
import { hostAllowed, remoteOf, headerForLog, type HandshakePolicy } from './handshake.js';

/**
 * Where the built page is: dist/dashboard beside this module's dist/src/daemon, so that an installed
 * package serves its own. RUNYARD_DASHBOARD_DIR replaces it, for developing the page and for tests.
 */
export const DASHBOARD_DIR_ENV = 'RUNYARD_DASHBOARD_DIR';
const builtDir = () =>
  process.env[DASHBOARD_DIR_ENV] ?? fileURLToPath(new URL('../../dashboard/', import.meta.url));

// A flat file name that is not a dotfile: no `/`, no `..`, no `%2F` (the path is not decoded).
const FLAT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// esbuild's `[name]-[hash]`: a dash and 8 or more upper-case letters and digits before the extension.
const HASHED_NAME = /-[A-Z0-9]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

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
  log: Logger;
}

/** Answers GET and HEAD for `/` and `/<file>`; false for any other path, which is not the dashboard's. */
export type DashboardRoutes = (request: IncomingMessage, response: ServerResponse, path: string) => boolean;

export function dashboardRoutes(options: DashboardOptions): DashboardRoutes {
  const { policy, log } = options;
  return (request, response, path) => {
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!FLAT_NAME.test(name)) return false;
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
    serveFile(response, builtDir(), name, securityHeaders(host!)).catch((error: unknown) => {
      log.error('serving the dashboard failed', { file: name, error: String(error) });
      if (!response.headersSent) send(response, 500, {}, 'internal error');
    });
    return true;
  };
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
