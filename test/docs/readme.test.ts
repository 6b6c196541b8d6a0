// Runs the README's examples against a real daemon and pins the facts of its "Start" section.
//
// The SDK example is the README's one `js` block; the CLI example is the `sh` block that calls
// `npx runyard run`; the operator example is the `sh` block that calls `npx runyard logs`. A trailing
// `// → TEXT` or `# → TEXT` comment on a line says what that line prints; the example must print exactly
// those lines, in order, and exit 0. In the operator example, `…` in TEXT stands for any text (a pid, an
// uptime), and stderr is not checked: following a run reports its end there.
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, symlink, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { loadServeConfig } from '../../src/cli/serve-config.js';
import { fencedBlocks, printed, printedPattern, readDoc, repoRoot } from './markdown.js';
import { tempDir } from '../helpers/fs.js';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** First-column paths of the README's run directory table. */
function runDirectoryPaths(readme: string): string[] {
  const section = readme.split(/^## /m).find((part) => part.startsWith('The run directory'));
  if (!section) throw new Error('README has no "The run directory" section');
  return [...section.matchAll(/^\| `([^`]+)`/gm)].map((match) => match[1]!);
}

t.test('the README SDK example runs against a daemon and prints what it says', async (t) => {
  const readme = await readDoc('README.md');
  const blocks = fencedBlocks(readme).filter((block) => block.lang === 'js' || block.lang === 'ts');
  t.equal(blocks.length, 1, 'the README has one SDK example');
  const example = blocks[0]!.text;
  t.match(example, /connect\(\)/);
  t.match(example, /run\.start/);
  t.match(example, /run\.wait/);
  t.match(example, /run\.logs/);

  const daemon = await startDaemon(t);
  const dir = await tempDir(t, 'readme');
  await mkdir(join(dir, 'node_modules'));
  await symlink(repoRoot, join(dir, 'node_modules', 'runyard'), 'dir');
  await writeFile(join(dir, 'hello.mjs'), example);

  const outcome = await run(process.execPath, ['hello.mjs'], {
    cwd: dir,
    env: { ...process.env, RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token },
  });
  t.same(outcome, { code: 0, stdout: printed(example, '//'), stderr: '' });

  const [runId, ...others] = await readdir(daemon.runsDir);
  t.same(others, [], 'the example made one run');
  for (const path of runDirectoryPaths(readme)) {
    t.ok(
      await stat(join(daemon.runsDir, runId!, path)).catch(() => undefined),
      `the run directory holds ${path}`,
    );
  }
});

/** Runs the README's `sh` block that matches `pattern` against a fresh daemon; it must print what it says. */
async function runShellExample(t: Test, pattern: RegExp, commands: string[]) {
  const readme = await readDoc('README.md');
  const block = fencedBlocks(readme).find(
    (candidate) => candidate.lang === 'sh' && pattern.test(candidate.text),
  );
  if (!block) throw new Error(`README has no sh block matching ${pattern}`);
  for (const command of commands) t.match(block.text, command);

  const daemon = await startDaemon(t);
  const script = block.text.replaceAll('npx runyard', `"${process.execPath}" "${CLI}"`);
  const outcome = await run('sh', ['-e', '-c', script], {
    cwd: repoRoot,
    env: { ...process.env, RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token },
  });
  t.same(outcome, { code: 0, stdout: printed(block.text, '#'), stderr: '' });
}

t.test('the README CLI example runs against a daemon and prints what it says', (t) =>
  runShellExample(
    t,
    /npx runyard run/,
    ['start -- echo hello', 'wait', 'logs'].map((c) => `npx runyard run ${c}`),
  ),
);

t.test('the README rpc example runs against a daemon and prints what it says', (t) =>
  runShellExample(t, /npx runyard rpc/, ['npx runyard rpc describe', 'npx runyard rpc run.wait']),
);

t.test('the README operator example runs against a daemon and prints what it says', async (t) => {
  const readme = await readDoc('README.md');
  const block = fencedBlocks(readme).find(
    (candidate) => candidate.lang === 'sh' && /npx runyard logs/.test(candidate.text),
  );
  if (!block) throw new Error('README has no sh block with `npx runyard logs`');
  for (const command of ['status', 'run logs', 'logs']) t.match(block.text, `npx runyard ${command} `);

  const daemon = await startDaemon(t);
  const script = block.text.replaceAll('npx runyard', `"${process.execPath}" "${CLI}"`);
  const outcome = await run('sh', ['-e', '-c', script], {
    cwd: await tempDir(t, 'readme-operator'),
    env: { ...process.env, RUNYARD_URL: daemon.url, RUNYARD_TOKEN: daemon.token },
  });
  t.equal(outcome.code, 0, outcome.stderr);
  t.match(outcome.stdout, printedPattern(block.text, '#'));
});

t.test('the README Start section matches the npm scripts and the serve defaults', async (t) => {
  const readme = await readDoc('README.md');
  const commands = fencedBlocks(readme)
    .filter((block) => block.lang === 'sh')
    .map((block) => block.text.trim());
  t.ok(commands.includes('npm ci && npm start'), 'README starts with npm ci && npm start');
  t.ok(commands.includes('npm test'), 'README shows npm test');

  const { scripts } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  t.equal(scripts.start, 'node dist/cli/runyard.js serve', 'npm start starts the daemon');
  t.equal(scripts.prepare, 'node scripts/prepare.mjs', 'npm ci builds (prepare)');
  t.match(await readFile(join(repoRoot, 'scripts/prepare.mjs'), 'utf8'), "'run', 'build'");
  t.match(scripts.test, /npm run build/, 'npm test builds');
  t.match(scripts.test, /npm run lint/);
  t.match(scripts.test, /\btap\b/, 'npm test runs tap');
  t.match(scripts.lint, /generate\.js --check/, 'npm test checks generated files are fresh');
  t.match(scripts.lint, /tsc -p tsconfig\.check\.json/, 'npm test type-checks');
  t.match(scripts.lint, /prettier --check/, 'npm test checks formatting');

  const { config } = (await loadServeConfig([], {}))!;
  t.match(config, { host: '127.0.0.1', port: 7370, runsDir: 'runs', stateDir: '.runyard' });
  t.match(readme, 'ws://127.0.0.1:7370/rpc');
  t.match(readme, '`./runs`');
  t.match(readme, '`./.runyard`');
  const serveHelp = await run(process.execPath, [CLI, 'serve', '--help'], {
    cwd: repoRoot,
    env: process.env,
  });
  const start = readme.split(/^## /m).find((part) => part.startsWith('Start')) ?? '';
  for (const [flag] of start.matchAll(/--[a-z][a-z-]+/g)) {
    if (flag !== '--help') t.match(serveHelp.stdout, flag, `runyard serve takes ${flag}`);
  }
});
