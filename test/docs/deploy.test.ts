// docs/deploy.md against what it describes: its unit blocks are the unit files, systemd-analyze accepts
// them, their ExecStart is a command line `runyard serve` takes with a stop timeout that covers its kill
// grace, and its background recipe and log rotation work with a real daemon.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { loadServeConfig } from '../../src/cli/serve-config.js';

const parseServeArgs = async (args: string[]) => (await loadServeConfig(args, {}))!.config;
import { RUN_DIR_SCHEMA_VERSION } from '../../src/schema/run-dir.js';
import { RunStartParams } from '../../src/schema/run.js';
import { latestVersion } from '../../src/store/sqlite-migrations.js';
import { runCli } from '../helpers/cli.js';
import { CLI, processGone, withoutRunyardVariables } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { eventually } from '../helpers/poll.js';
import { markers, printedPattern, readDoc, repoRoot, type FencedBlock } from './markdown.js';
import { killLeftover, outcomeOf, runyardOnPath } from './shell.js';

const UNITS_DIR = 'contrib/systemd';
const doc = await readDoc('docs/deploy.md');
const unitFiles = (await readdir(join(repoRoot, UNITS_DIR))).filter((name) => name.endsWith('.service'));

/** The block after `<!-- NAME -->` in the doc. */
function markedBlock(name: string): FencedBlock {
  const block = markers(doc).find((marker) => marker.text === name)?.block;
  if (!block) throw new Error(`docs/deploy.md has no block marked <!-- ${name} -->`);
  return block;
}

/** `[Service]` settings of a unit: key → values in order, continuation lines joined. */
function serviceSettings(unit: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const line of unit.replace(/\\\n\s*/g, ' ').split('\n')) {
    if (/^\[.+\]$/.test(line)) section = line;
    const setting = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (section === '[Service]' && setting)
      settings.set(setting[1]!, [...(settings.get(setting[1]!) ?? []), setting[2]!]);
  }
  return settings;
}

const only = (settings: Map<string, string[]>, key: string) => {
  const values = settings.get(key) ?? [];
  if (values.length !== 1) throw new Error(`expected one ${key}=, found ${values.length}`);
  return values[0]!;
};

const readUnit = (name: string) => readFile(join(repoRoot, UNITS_DIR, name), 'utf8');

t.test('the doc shows each unit file verbatim, and every unit file', async (t) => {
  const included = markers(doc).flatMap((marker) => {
    const path = /^file: (.+)$/.exec(marker.text)?.[1];
    return path ? [{ path, block: marker.block }] : [];
  });
  t.same(included.map(({ path }) => path).sort(), unitFiles.map((name) => `${UNITS_DIR}/${name}`).sort());
  for (const { path, block } of included) {
    t.equal(block?.lang, 'ini', `${path} is shown as an ini block`);
    t.equal(`${block?.text}\n`, await readFile(join(repoRoot, path), 'utf8'), `${path} is shown as it is`);
  }
});

const systemdAnalyze = await outcomeOf('sh', ['-c', 'command -v systemd-analyze'], process.env);

t.test(
  'systemd-analyze verify accepts both units without a warning',
  {
    skip:
      systemdAnalyze.code === 0
        ? false
        : 'systemd-analyze is not installed (Debian: apt-get install systemd); the unit files are unverified',
  },
  async (t) => {
    const dir = await tempDir(t, 'units');
    const runtime = join(dir, 'runtime');
    await mkdir(runtime, { mode: 0o700 });
    // verify checks that ExecStart's program exists: one stands in for the installed runyard.
    const stub = join(dir, 'runyard');
    await writeFile(stub, '#!/bin/sh\n', { mode: 0o755 });
    const env = { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') };
    const verify = async (name: string, text: string) => {
      const program = only(serviceSettings(text), 'ExecStart').split(' ')[0]!;
      await writeFile(join(dir, name), text.replace(program, stub));
      const user = name.includes('user');
      return outcomeOf(
        'systemd-analyze',
        ['verify', ...(user ? ['--user'] : []), join(dir, name)],
        user ? { ...env, XDG_RUNTIME_DIR: runtime } : env,
      );
    };
    for (const name of unitFiles) {
      const unit = await readUnit(name);
      t.same(await verify(name, unit), { code: 0, stdout: '', stderr: '' }, name);
      const broken = await verify(name, unit.replace('KillMode=mixed', 'KillMode=gently'));
      t.match(broken.stderr, /kill mode/i, `a bad value in ${name} is reported, so the check can fail`);
    }
  },
);

t.test("each unit's ExecStart is a runyard serve command line that parses", async (t) => {
  for (const name of unitFiles) {
    const execStart = only(serviceSettings(await readUnit(name)), 'ExecStart');
    t.notMatch(execStart, /["'$]/, `${name}: no quoting or variables to interpret`);
    const [program, command, ...args] = execStart.replaceAll('%h', '/home/someone').split(/\s+/);
    t.match(program, /^\/.*\/node_modules\/\.bin\/runyard$/, `${name} starts the installed bin`);
    t.equal(command, 'serve');
    const config = await parseServeArgs(args);
    t.ok(config, `${name}: runyard serve takes ${args.join(' ')}`);
    t.match(config.runsDir, /^\/.+\/runs$/, `${name} names an absolute runs directory`);
    t.match(config.stateDir, /^\/.+\/state$/, `${name} names an absolute state directory`);
  }
});

t.test('each unit stops the daemon alone, with time for its kill grace', async (t) => {
  for (const name of unitFiles) {
    const settings = serviceSettings(await readUnit(name));
    const config = await parseServeArgs(only(settings, 'ExecStart').split(/\s+/).slice(2));
    t.equal(only(settings, 'KillMode'), 'mixed', `${name}: SIGTERM goes to the daemon only`);
    const timeout = /^(\d+)s$/.exec(only(settings, 'TimeoutStopSec'));
    t.ok(timeout, `${name}: TimeoutStopSec in seconds`);
    // The unit's comment: above the largest kill grace plus 10 s (pipes, run directories).
    t.ok(Number(timeout![1]) * 1000 >= config.killGraceMs + 10_000, `${name}: ${timeout![0]} covers it`);
    t.equal(only(settings, 'RestartPreventExitStatus'), '2', `${name}: a usage error is not restarted`);
  }
});

t.test("the doc's versions and defaults are the code's", async (t) => {
  t.match(doc, `\`PRAGMA user_version\`; ${latestVersion} in this version`, 'the index schema version');
  t.match(doc, `\`schemaVersion\` (${RUN_DIR_SCHEMA_VERSION} for every runyard so far)`);
  t.match(doc, `\`--kill-grace-ms\`, default ${(await parseServeArgs([])).killGraceMs}`);
  const maximum = RunStartParams.properties.killGraceMs.maximum!;
  t.match(doc, `\`killGraceMs\`, up to ${maximum.toLocaleString('en')})`, "a run's own kill grace");
});

t.test('the background recipe starts a daemon that runyard status finds, and stops it', async (t) => {
  const block = markedBlock('test: background');
  const env = await runyardOnPath(t);
  const state = join(env.HOME!, '.local/state/runyard');
  killLeftover(t, join(state, 'state'));
  // Port 0 instead of 7370, which other daemons on this machine may hold.
  const outcome = await outcomeOf('sh', ['-e', '-c', block.text], { ...env, RUNYARD_LISTEN: '127.0.0.1:0' });
  t.equal(outcome.code, 0, outcome.stderr);
  t.match(outcome.stdout, printedPattern(block.text, '#'));
  const pid = Number(/\(pid (\d+)\)/.exec(outcome.stdout)?.[1]);
  t.ok(processGone(pid), 'the daemon status named has exited');
  const log = await readFile(join(state, 'runyard.log'), 'utf8');
  t.match(log, /"message":"shutting down","signal":"SIGTERM"/);
  t.match(log, /"message":"daemon stopped"/);
  await t.rejects(access(join(state, 'state/daemon.json')), 'daemon.json is gone');
  const after = await runCli(['status'], { env: { RUNYARD_STATE_DIR: join(state, 'state') } });
  t.equal(after.code, 3, 'runyard status then finds no daemon');
});

/** The doc's logrotate config for `log`, run once, forced, with its own state file. */
async function rotate(log: string): Promise<void> {
  const config = markedBlock('test: logrotate').text.replace(/^\S+/, log);
  await writeFile(`${log}.conf`, `${config}\n`, { mode: 0o644 });
  const rotated = await outcomeOf('logrotate', ['-f', '-s', `${log}.state`, `${log}.conf`], process.env);
  if (rotated.code !== 0) throw new Error(`logrotate failed: ${rotated.stderr}`);
}

/** `runyard serve` with its output going to `log`, opened as `>>` (flags 'a') or `>` (flags 'w'). */
async function serveInto(t: Test, log: string, flags: 'a' | 'w'): Promise<NodeJS.ProcessEnv> {
  const file = await open(log, flags);
  const dir = dirname(log);
  const env = { ...withoutRunyardVariables(process.env), RUNYARD_STATE_DIR: join(dir, 'state') };
  const args = ['serve', '--listen', '127.0.0.1:0', '--runs-dir', join(dir, 'runs')];
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', file.fd, file.fd] });
  await file.close();
  const exited = once(child, 'exit');
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await eventually(async () =>
    (await readFile(log, 'utf8')).includes('runyard listening') ? true : undefined,
  );
  return { RUNYARD_STATE_DIR: env.RUNYARD_STATE_DIR };
}

/** Rotates the daemon's log, makes it write more, and returns the live file once it has. */
async function rotateWhileServing(t: Test, flags: 'a' | 'w'): Promise<{ log: string; live: Buffer }> {
  const log = join(await tempDir(t, 'logrotate'), 'runyard.log');
  const env = await serveInto(t, log, flags);
  await rotate(log);
  const started = await runCli(['run', 'start', '--', 'true'], { env });
  t.equal(started.code, 0, started.stderr);
  t.equal((await runCli(['run', 'wait', started.stdout.trim()], { env })).code, 0);
  const live = await eventually(async () => {
    const bytes = await readFile(log);
    return bytes.includes('"run finished"') ? bytes : undefined;
  });
  return { log, live };
}

const logrotate = await outcomeOf('sh', ['-c', 'command -v logrotate'], process.env);
const needsLogrotate = logrotate.code === 0 ? false : 'logrotate is not installed';

t.test("the doc's copytruncate rotation keeps an appended log whole", { skip: needsLogrotate }, async (t) => {
  const { log, live } = await rotateWhileServing(t, 'a');
  t.notOk(live.includes(0), 'no NUL bytes in the live log');
  t.match(live.toString('utf8').split('\n')[0], /^\{"time":/, 'it starts with a whole log line');
  t.match(await readFile(`${log}.1`, 'utf8'), /"message":"daemon started"/, 'the rotated file has the rest');
});

t.test('a log opened with > instead gets a hole after copytruncate', { skip: needsLogrotate }, async (t) => {
  const { live } = await rotateWhileServing(t, 'w');
  t.equal(live[0], 0, 'the live log starts with NUL bytes, as the doc warns');
});
