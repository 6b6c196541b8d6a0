// The dashboard's files as the daemon serves them: headers, caching, flat names only, and a page not built.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { eventually } from '../helpers/poll.js';
import { httpBase, httpRequest, type HttpAnswer } from '../helpers/http.js';

const INDEX = '<!doctype html><title>runyard</title><script type="module" src="app-K3JQ7Z2A.js"></script>';

async function builtDashboard(t: Test) {
  const dir = await tempDir(t, 'dashboard');
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'app-K3JQ7Z2A.js'), 'console.log("hashed");\n');
  await writeFile(join(dir, 'app.css'), 'body { margin: 0 }\n');
  await writeFile(join(dir, '.env'), 'SECRET=1\n');
  await mkdir(join(dir, 'nested'));
  await writeFile(join(dir, 'nested', 'deep.js'), 'console.log("nested");\n');
  return dir;
}

function assertSecurityHeaders(t: Test, answer: HttpAnswer, port: string) {
  t.equal(
    answer.headers['content-security-policy'],
    `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port}; img-src 'self' data:; style-src 'self'; ` +
      "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  t.equal(answer.headers['x-content-type-options'], 'nosniff');
  t.equal(answer.headers['referrer-policy'], 'no-referrer');
  t.equal(answer.headers['x-frame-options'], 'DENY');
  t.equal(answer.headers['cross-origin-opener-policy'], 'same-origin');
  t.equal(answer.headers['cross-origin-resource-policy'], 'same-origin');
}

t.test('a built dashboard', async (t) => {
  const dir = await builtDashboard(t);
  const daemon = await startDaemon(t, { env: { RUNYARD_DASHBOARD_DIR: dir } });
  const base = httpBase(daemon.url);
  const port = new URL(base).port;

  t.test('/ is index.html, never cached without asking, with the security headers', async (t) => {
    const answer = await httpRequest(`${base}/`);
    t.equal(answer.status, 200);
    t.equal(answer.body, INDEX);
    t.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
    t.equal(answer.headers['cache-control'], 'no-cache');
    assertSecurityHeaders(t, answer, port);
  });

  t.test('an asset whose name carries a content hash is cached for a year', async (t) => {
    const answer = await httpRequest(`${base}/app-K3JQ7Z2A.js`);
    t.equal(answer.status, 200);
    t.equal(answer.body, 'console.log("hashed");\n');
    t.equal(answer.headers['content-type'], 'text/javascript; charset=utf-8');
    t.equal(answer.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecurityHeaders(t, answer, port);
  });

  t.test('an asset without a hash in its name is revalidated', async (t) => {
    const answer = await httpRequest(`${base}/app.css`);
    t.equal(answer.status, 200);
    t.equal(answer.headers['content-type'], 'text/css; charset=utf-8');
    t.equal(answer.headers['cache-control'], 'no-cache');
  });

  t.test('HEAD answers with the headers of GET and no body', async (t) => {
    const get = await httpRequest(`${base}/`);
    const head = await httpRequest(`${base}/`, { method: 'HEAD' });
    t.equal(head.status, 200);
    t.equal(head.body, '');
    t.equal(head.headers['content-length'], String(Buffer.byteLength(INDEX)));
    for (const name of ['content-type', 'cache-control', 'content-security-policy'])
      t.equal(head.headers[name], get.headers[name], name);
  });

  t.test('dotfiles, subdirectories and traversal are not served', async (t) => {
    for (const path of [
      '/.env',
      '/nested',
      '/nested/deep.js',
      '/..%2F..%2Fpackage.json',
      '/%2e%2e/package.json',
      '/..\\package.json',
      '/missing.js',
    ]) {
      const answer = await httpRequest(`${base}${path}`);
      t.equal(answer.status, 404, path);
      t.notMatch(answer.body, /SECRET|nested|"name"/, path);
    }
  });

  t.test('a foreign Host is refused, against DNS rebinding', async (t) => {
    const answer = await httpRequest(`${base}/`, { headers: { host: `evil.example:${port}` } });
    t.equal(answer.status, 403);
    t.notMatch(answer.body, /runyard<\/title>/);
    t.ok(await eventually(() => (/"reason":"foreign_host"/.test(daemon.log()) ? true : undefined)), 'logged');
  });

  t.test('only GET and HEAD are answered', async (t) => {
    t.equal((await httpRequest(`${base}/`, { method: 'POST' })).status, 405);
  });

  t.test('/healthz and /openrpc.json keep their own answers', async (t) => {
    t.equal((await httpRequest(`${base}/healthz`)).body, '{"status":"ok"}\n');
    t.equal((await httpRequest(`${base}/openrpc.json`)).status, 401);
  });
});

t.test('a dashboard that is not built answers 503 saying how to build it', async (t) => {
  const dir = await tempDir(t, 'dashboard-empty');
  const daemon = await startDaemon(t, { env: { RUNYARD_DASHBOARD_DIR: dir } });
  for (const path of ['/', '/app.js']) {
    const answer = await httpRequest(`${httpBase(daemon.url)}${path}`);
    t.equal(answer.status, 503, path);
    t.match(answer.body, /not built: run `npm run build`/);
  }
});
