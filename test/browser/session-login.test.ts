// Logging in to the dashboard in Chromium: the one-time URL sets the cookie and lands on /, where a page
// script connects with the SDK and no token; a reused code and a foreign origin are refused.
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { repoRoot } from '../docs/markdown.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { httpBase } from '../helpers/http.js';
import { chromiumMissing, launchChromium, openPage, serveStatic } from './harness.js';

const SDK = join(repoRoot, 'dist/src/client');

/** What the page runs: connect on its own origin without a token, and say how that went. */
const connectScript = (sdk: string, url: string) => `import { connect } from '${sdk}';
try {
  const client = await connect({ url: ${url} });
  const info = await client.daemon.info();
  console.log('connected ' + info.url);
  await client.close();
} catch (error) {
  console.log('refused ' + error.reason + ' ' + error.closeCode);
}
`;

/** A stand-in dashboard: the SDK's flat modules, beside an index.html with no inline script (CSP). */
async function tinyDashboard(t: Test): Promise<string> {
  const dir = await tempDir(t, 'dashboard');
  for (const file of await readdir(SDK))
    if (file.endsWith('.js')) await copyFile(join(SDK, file), join(dir, file));
  await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="app.js"></script>');
  await writeFile(join(dir, 'app.js'), connectScript('./browser.js', '`ws://${location.host}/rpc`'));
  return dir;
}

t.test('dashboard login in Chromium', { skip: chromiumMissing ?? false }, async (t) => {
  const dir = await tinyDashboard(t);
  const daemon = await startDaemon(t, { env: { RUNYARD_DASHBOARD_DIR: dir } });
  const base = httpBase(daemon.url);
  const client = await daemon.client();
  const context = await launchChromium(t);

  t.test('before logging in the page is told it is not logged in', async (t) => {
    const run = await openPage(t, context, `${base}/`);
    t.same(await run.lines(1), ['refused token_refused 4401']);
  });

  const { url } = await client.daemon.dashboardLogin();

  t.test('the login URL sets the session cookie and lands on /, whose script connects', async (t) => {
    const run = await openPage(t, context, url);
    t.equal(run.page.url(), `${base}/`, 'the code is gone from the address');
    t.same(await run.lines(1), [`connected ${daemon.url}`]);
    const cookies = await context.cookies(base);
    t.match(cookies, [
      { name: `runyard_session_${new URL(base).port}`, httpOnly: true, sameSite: 'Strict', path: '/' },
    ]);
    t.equal(await run.page.evaluate(() => document.cookie), '', 'no script reads it');
  });

  t.test('the same code again is refused', async (t) => {
    const page = await context.newPage();
    t.teardown(() => page.close());
    const answer = await page.goto(url);
    t.equal(answer?.status(), 403);
    t.match(await page.textContent('body'), /run `runyard dashboard` again/);
  });

  t.test('a page on a foreign origin cannot connect, though the browser sends it the cookie', async (t) => {
    const site = await serveStatic(
      t,
      {
        '/': '<!doctype html><script type="module" src="/app.js"></script>',
        '/app.js': connectScript('/sdk/browser.js', JSON.stringify(daemon.url)),
      },
      { '/sdk/': `${SDK}/` },
    );
    const run = await openPage(t, context, `${site.origin}/`);
    t.same(await run.lines(1), ['refused origin_refused 4403']);
  });
});
