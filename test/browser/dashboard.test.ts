// The dashboard in Chromium as a user meets it: served by a real daemon, logged in through the
// one-time URL of daemon.dashboardLogin, and used to start, watch and cancel runs, read a retained
// report and download an artifact, filter and search the runs table.
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import t from 'tap';
import type { RunyardClient } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { chromiumMissing, launchChromium } from './harness.js';

/** The bytes of the artifact the report run writes: every byte value, so a text decoding would show. */
const ARTIFACT = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));

const REPORT = '# Nightly report\n\nAll **good**.\n\n<script>window.injected = true</script>\n';

/** A run that writes reports/report.md and artifacts/data.bin in its directory. */
const reportScript = `const fs = require('node:fs');
fs.mkdirSync('reports', { recursive: true });
fs.mkdirSync('artifacts', { recursive: true });
fs.writeFileSync('reports/report.md', ${JSON.stringify(REPORT)});
fs.writeFileSync('artifacts/data.bin', Buffer.from(${JSON.stringify([...ARTIFACT])}));`;

async function login(client: RunyardClient, page: Page) {
  const { url } = await client.daemon.dashboardLogin();
  await page.goto(url);
  await page.locator('form.start').waitFor();
}

t.test('the dashboard in Chromium', { skip: chromiumMissing ?? false }, async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const origin = daemon.url.replace(/^ws:/, 'http:').replace(/\/rpc$/, '');
  const context = await launchChromium(t);
  const page = await context.newPage();
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    // The daemon's CSP allows no inline script or style: a violation would show here.
    if (message.type() === 'error' && /Content Security Policy/.test(message.text()))
      failures.push(message.text());
  });
  t.teardown(() => page.close());

  t.test('before logging in, the page says how to', async (t) => {
    const fresh = await launchChromium(t);
    const anonymous = await fresh.newPage();
    await anonymous.goto(`${origin}/`);
    await anonymous.locator('text=npx runyard dashboard').waitFor();
    t.pass('the login screen names the command');
  });

  t.test('the one-time URL logs the page in and stays out of its address', async (t) => {
    await login(client, page);
    t.equal(new URL(page.url()).pathname, '/');
    t.notMatch(page.url(), /login|token|code/);
  });

  t.test('a run started from the page shows its output as it is written', async (t) => {
    await page.goto(`${origin}/#/runs`);
    await page.fill(
      'input[name=command]',
      `sh -c 'printf "\\033[32mfirst\\033[0m\\n"; while [ ! -e go ]; do sleep 0.05; done; echo second'`,
    );
    await page.click('form.start button[type=submit]');
    const stdout = page.locator('pre.log[data-stream=stdout]');
    await stdout.locator('text=first').waitFor();
    const runId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    await page.locator('h1 .status-running').waitFor(); // and it cannot end before the test says so
    t.equal(await stdout.locator('.fg-2').textContent(), 'first', 'its ANSI colour became a class');
    t.notMatch(await stdout.textContent(), /second/);
    const run = await client.run.status({ runId });
    await writeFile(join(run.runDir, 'go'), '');
    await stdout.locator('text=second').waitFor();
    await page.locator('h1 .status-succeeded').waitFor();
    t.same(await stdout.locator('.log-line').allTextContents(), ['first', 'second'], 'each line once');
  });

  t.test('a run is cancelled from the page', async (t) => {
    const run = await client.run.start({ argv: ['sh', '-c', 'echo ready; exec sleep 600'] });
    await page.goto(`${origin}/#/runs/${run.runId}`);
    await page.locator('pre.log[data-stream=stdout] >> text=ready').waitFor();
    await page.click('button[name=cancel]');
    await page.locator('h1 .status-cancelled').waitFor();
    t.equal((await client.run.status({ runId: run.runId })).status, 'cancelled');
  });

  t.test('a retained report is rendered as markdown and an artifact downloads byte for byte', async (t) => {
    const run = await client.run.start({ argv: [process.execPath, '-e', reportScript] });
    t.equal((await client.run.wait({ runId: run.runId })).status, 'succeeded');
    await eventually(
      async () => (await client.retained.reports({ runId: run.runId })).reports.length || undefined,
    );
    await page.goto(`${origin}/#/retained`);
    await page.click(`a[href="#/retained/${run.runId}"]`);
    const report = page.locator('article.report .markdown');
    t.equal(await report.locator('h1').textContent(), 'Nightly report');
    t.equal(await report.locator('strong').textContent(), 'good');
    t.equal(await report.locator('script').count(), 0, 'raw HTML in the report is not markup');
    t.match(await report.textContent(), /<script>window.injected = true<\/script>/);
    t.equal(await page.evaluate('window.injected'), undefined);
    const row = page.locator('table.artifacts tr', { hasText: 'artifacts/data.bin' });
    t.match(await row.textContent(), createHash('sha256').update(ARTIFACT).digest('hex'));
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('button').click()]);
    t.equal(download.suggestedFilename(), 'data.bin');
    t.same(await readFile((await download.path())!), ARTIFACT);
  });

  t.test(
    'the runs table filters by status and search finds a run by its label and by its command',
    async (t) => {
      const failed = await client.run.start({ argv: ['sh', '-c', 'exit 3'] });
      const labelled = await client.run.start({ argv: ['true'], labels: { ticket: 'needle-42' } });
      await client.run.wait({ runId: failed.runId });
      await client.run.wait({ runId: labelled.runId });
      await page.goto(`${origin}/#/runs`);
      const rows = page.locator('table.runs tbody tr');
      await page.locator(`tr[data-run="${labelled.runId}"]`).waitFor();
      await page.selectOption('select[name=status]', 'failed');
      await eventually(async () => ((await rows.count()) === 1 ? true : undefined));
      t.equal(await rows.getAttribute('data-run'), failed.runId);
      await page.selectOption('select[name=status]', '');
      await page.fill('input[name=search]', 'needle');
      await page.click('form.filters button[type=submit]');
      await page.locator('text=found for “needle”').waitFor();
      const shown = () => rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-run')));
      await eventually(async () => ((await shown()).length === 1 ? true : undefined));
      t.same(await shown(), [labelled.runId]);
      await page.fill('input[name=search]', 'EXIT 3');
      await page.click('form.filters button[type=submit]');
      await eventually(async () => ((await shown())[0] === failed.runId ? true : undefined));
      t.same(await shown(), [failed.runId], 'the daemon matched the command, case folded');
    },
  );

  t.test('after the daemon restarts, the page follows on with no line lost or repeated', async (t) => {
    const own = await startDaemon(t);
    const ownClient = await own.client();
    const run = await ownClient.run.start({ argv: ['sh', '-c', 'echo before; exec sleep 600'] });
    const port = new URL(own.url).port;
    const tab = await context.newPage();
    t.teardown(() => tab.close());
    await login(ownClient, tab);
    await tab.goto(`http://127.0.0.1:${port}/#/runs/${run.runId}`);
    const stdout = tab.locator('pre.log[data-stream=stdout]');
    await stdout.locator('text=before').waitFor();
    await own.stop();
    // Same state (so the same token, which the session cookie is bound to) and the same address.
    const again = await startDaemon(t, { home: own.home, args: ['--listen', `127.0.0.1:${port}`] });
    await tab.locator('h1 .status-interrupted, h1 .status-cancelled, h1 .status-failed').first().waitFor();
    const after = await (await again.client()).run.status({ runId: run.runId });
    t.equal(await tab.locator('h1 .status').textContent(), after.status, 'the page shows how it ended');
    t.same(await stdout.locator('.log-line').allTextContents(), ['before'], 'its output once');
  });

  t.test('a session the daemon no longer accepts sends the open page back to the login hint', async (t) => {
    const own = await startDaemon(t);
    const port = new URL(own.url).port;
    const tab = await context.newPage();
    t.teardown(() => tab.close());
    await login(await own.client(), tab);
    await tab.goto(`http://127.0.0.1:${port}/#/daemon`);
    await tab.locator('text=Connections open').waitFor();
    await own.stop();
    // A new token (the old file gone) revokes every session cookie, which is bound to the token.
    await rm(join(own.stateDir, 'token'));
    await startDaemon(t, { home: own.home, args: ['--listen', `127.0.0.1:${port}`] });
    await tab.locator('text=The session has ended').waitFor();
    t.equal(await tab.locator('[role=alert] code').textContent(), 'npx runyard dashboard');
  });

  t.test('the page threw nothing and broke no rule of the CSP', async (t) => {
    t.same(failures, []);
  });
});
