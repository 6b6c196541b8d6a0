// Where the CLI and the SDK look without flags: the nearest .runyard up from the working directory, as git
// finds .git; and --cwd taken from the shell's directory.
import { execFile } from 'node:child_process';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** A project directory with a .runyard, a daemon serving it, and a subdirectory two levels down. */
async function project(t: Test) {
  const root = await tempDir(t, 'project');
  await mkdir(join(root, '.runyard'));
  const deep = join(root, 'src', 'lib');
  await mkdir(deep, { recursive: true });
  // Started in the subdirectory: serve finds the parent's .runyard too.
  const daemon = await startDaemon(t, { cwd: deep });
  return { root, deep, daemon };
}

t.test('serve started in a subdirectory uses the .runyard of a parent, with runs beside it', async (t) => {
  const { root, daemon } = await project(t);
  t.equal(daemon.stateDir, join(root, '.runyard'));
  t.equal(daemon.runsDir, join(root, 'runs'));
});

t.test('serve with no .runyard anywhere above creates ./.runyard where it starts', async (t) => {
  const root = await tempDir(t, 'fresh');
  const daemon = await startDaemon(t, { cwd: root });
  t.equal(daemon.stateDir, join(root, '.runyard'));
  t.equal(daemon.runsDir, join(root, 'runs'));
});

t.test('run commands in a subdirectory find the daemon through a parent .runyard', async (t) => {
  const { deep } = await project(t);
  const started = await runCli(['run', 'start', '--follow', '--', 'echo', 'found'], { cwd: deep });
  t.equal(started.code, 0, started.stderr);
  t.equal(started.stdout, 'found\n');
  const listed = await runCli(['run', 'list', '--json'], { cwd: deep });
  t.equal((JSON.parse(listed.stdout) as { runs: unknown[] }).runs.length, 1);
});

t.test('runs list in a subdirectory reads the runs directory beside the parent .runyard', async (t) => {
  const { deep } = await project(t);
  const started = await runCli(['run', 'start', '--follow', '--', 'true'], { cwd: deep });
  const runId = started.stderr.split('\n')[0]!;
  const listed = await runCli(['runs', 'list', '--json'], { cwd: deep });
  t.equal(listed.code, 0, listed.stderr);
  t.same(
    (JSON.parse(listed.stdout) as { runs: { runId: string }[] }).runs.map((run) => run.runId),
    [runId],
  );
});

t.test("the SDK's connect() in a subdirectory finds the daemon through a parent .runyard", async (t) => {
  const { deep, daemon } = await project(t);
  const script = `
    const { connect } = await import(${JSON.stringify(join(repoRoot, 'dist/src/client/index.js'))});
    const client = await connect();
    console.log((await client.daemon.info()).pid);
    await client.close();
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: deep,
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RUNYARD_'))),
  });
  t.equal(stdout.trim(), String(daemon.child.pid));
});

t.test('a directory with no .runyard here or above says so, exit 3', async (t) => {
  const lonely = await tempDir(t, 'lonely');
  const result = await runCli(['run', 'list'], { cwd: lonely });
  t.equal(result.code, 3, 'no daemon reached');
  t.match(result.stderr, /no \.runyard directory here or in any parent/);
});

t.test("run start --cwd takes a relative directory from the shell's directory", async (t) => {
  const { root, deep } = await project(t);
  const result = await runCli(['run', 'start', '--cwd', 'lib', '--follow', '--', 'pwd'], {
    cwd: join(root, 'src'),
  });
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, `${await realpath(deep)}\n`);
});

t.test('run start without --cwd runs in the run directory', async (t) => {
  const { deep, daemon } = await project(t);
  const result = await runCli(['run', 'start', '--follow', '--', 'pwd'], { cwd: deep });
  const runId = result.stderr.split('\n')[0]!;
  t.equal(result.stdout, `${join(daemon.runsDir, runId)}\n`);
});
