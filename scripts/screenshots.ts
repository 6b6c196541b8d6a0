// `npm run screenshots`: docs/dashboard/*.png, the dashboard's main screens as a new user sees them,
// taken from a real daemon filled with a few runs, actions and a service, in Debian's Chromium.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { connect, type RunyardClient } from '../src/client/index.js';

const root = new URL('../../', import.meta.url).pathname;
const output = join(root, 'docs/dashboard');
const node = process.execPath;

/** A build step that prints coloured lines and reports progress on fd 3, then waits to be cancelled. */
const buildScript = `i=0; for step in resolve compile bundle test; do i=$((i+1))
printf '\\033[36m[%d/4]\\033[0m %s \\033[32mok\\033[0m\\n' $i $step
echo "{\\"progress\\": 0.$((i*2)), \\"message\\": \\"$step\\"}" >&3; done
printf '\\033[33mwarning:\\033[0m 2 tests skipped\\n' >&2; exec sleep 600`;

const reportScript = `const fs = require('node:fs');
fs.mkdirSync('reports', { recursive: true });
fs.mkdirSync('artifacts', { recursive: true });
fs.writeFileSync('reports/summary.md', '# Nightly benchmark\\n\\n| case | ops/s |\\n| --- | ---: |\\n| parse | 41,200 |\\n| render | 18,950 |\\n\\nAll **12** cases within budget.\\n');
fs.writeFileSync('artifacts/results.json', JSON.stringify({ parse: 41200, render: 18950 }, null, 2));
fs.writeFileSync('artifacts/profile.bin', Buffer.alloc(48213, 7));`;

async function startDaemon(home: string): Promise<{ url: string; token: string; stop: () => Promise<void> }> {
  const state = join(home, 'state');
  const daemon = spawn(
    node,
    [
      join(root, 'dist/cli/runyard.js'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--runs-dir',
      join(home, 'runs'),
      '--state-dir',
      state,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const [line] = (await once(createInterface({ input: daemon.stdout }), 'line')) as [string];
  const url = /listening on (\S+)/.exec(line)![1]!;
  const token = (await readFile(join(state, 'token'), 'utf8')).trim();
  return { url, token, stop: async () => void (daemon.kill('SIGTERM'), await once(daemon, 'exit')) };
}

async function seed(client: RunyardClient): Promise<{ running: string; retained: string }> {
  await client.action.set({
    name: 'build',
    description: 'Compile and test',
    argv: ['sh', '-c', buildScript],
  });
  await client.action.set({ name: 'ticker', argv: ['sh', '-c', 'while true; do echo tick; sleep 1; done'] });
  await client.action.set({
    name: 'flaky-sync',
    argv: ['sh', '-c', 'echo "sync: connection refused (127.0.0.1:5432)" >&2; exit 1'],
  });
  await client.service.set({
    name: 'web',
    description: 'The site and its background sync',
    actions: [
      { action: 'ticker', restart: 'always' },
      { action: 'flaky-sync', restart: 'on-failure', startLimit: { maxRestarts: 1, windowMs: 60_000 } },
    ],
  });
  const finished = [
    { argv: ['make', '--version'], labels: { suite: 'smoke', branch: 'main' } },
    {
      argv: ['sh', '-c', 'echo 3 tests failed >&2; exit 2'],
      labels: { suite: 'unit', branch: 'feature/login' },
    },
    { argv: ['node', '--version'], labels: { suite: 'smoke', branch: 'feature/login' } },
  ];
  for (const params of finished) await client.run.wait({ runId: (await client.run.start(params)).runId });
  const report = await client.run.start({ argv: [node, '-e', reportScript], labels: { suite: 'bench' } });
  await client.run.wait({ runId: report.runId });
  await client.service.start({ name: 'web' });
  const running = await client.run.start({ action: 'build', labels: { branch: 'main', commit: '4f2a9c1' } });
  for await (const event of client.run.follow(running.runId, { fromSeq: 1 }))
    if (event.type === 'progress' && event.progress !== null && event.progress >= 0.8) break;
  return { running: running.runId, retained: report.runId };
}

const home = await mkdtemp(join(tmpdir(), 'runyard-screenshots-'));
const daemon = await startDaemon(home);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const client = await connect({ url: daemon.url, token: daemon.token });
  const { running, retained } = await seed(client);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const { url } = await client.daemon.dashboardLogin();
  await page.goto(url);
  await mkdir(output, { recursive: true });
  const shoot = async (hash: string, name: string, ready: string) => {
    await page.goto(new URL(`/#/${hash}`, page.url()).href);
    await page.locator(ready).first().waitFor();
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.screenshot({ path: join(output, `${name}.png`) });
  };
  await shoot('runs', 'runs', `tr[data-run="${running}"]`);
  await shoot(`runs/${running}`, 'run', 'pre.log[data-stream=stderr] .log-line');
  await shoot(`retained/${retained}`, 'retained', 'article.report .markdown table');
  await shoot('services', 'services', '.failure pre.log >> text=connection refused');
  await client.close();
} finally {
  await browser.close();
  await daemon.stop();
  await rm(home, { recursive: true, force: true });
}
