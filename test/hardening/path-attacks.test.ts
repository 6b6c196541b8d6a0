// Path attacks: hostile paths and run ids against every method that takes one. Each gets a clear error
// (or, for an outputDir or cwd, a run whose directory is inside the runs directory), and nothing outside
// the runs directory is read, written or removed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import t from 'tap';
import type { RunyardClient } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';

const nonce = createHash('sha256')
  .update(String(process.pid) + Date.now())
  .digest('hex')
  .slice(0, 12);
const SECRET = `TOP-SECRET-${nonce}`;

/** Run ids no method may look up: traversal, wrong alphabet, wrong length, encodings, control characters. */
const hostileRunIds = (existing: string): string[] => [
  '..',
  '../..',
  '.',
  '',
  ' ',
  '/',
  '/etc/passwd',
  '../outside',
  `${existing}/..`,
  `${existing}/../..`,
  `../${existing}`,
  `${existing}/run.json`,
  `${existing}\u0000`,
  `${existing}\n`,
  ` ${existing}`,
  existing.toLowerCase(),
  existing.slice(0, 25),
  `${existing}0`,
  '01JD6W4ZK3Q8V5N2M7XKCB9TRI', // I, L, O and U are not Crockford base 32
  '01JD6W4ZK3Q8V5N2M7XKCB9TRU',
  '０１ＪＤ６Ｗ４ＺＫ３Ｑ８Ｖ５Ｎ２Ｍ７ＸＫＣＢ９ＴＲＥ',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  '..%2f..',
  '..\\..',
  'escape',
  'loop',
  'self',
  'plain-file',
  '~',
  '$HOME',
  'x'.repeat(5_000),
];

/** Paths that try to leave the runs directory, or to hide where they point. */
const hostilePaths = (home: string): string[] => [
  '..',
  '../',
  '../outside',
  '../outside/secret.txt',
  '../outside/new',
  '../../',
  '../../../../../../../../etc/passwd',
  '/etc',
  '/etc/passwd',
  `/tmp/runyard-path-attack-${nonce}`,
  join(home, 'outside'),
  join(home, 'outside', 'new'),
  join(home, 'state'),
  '../state',
  '../state/token',
  '../runs-evil',
  'a/../../outside',
  'a/b/../../../outside',
  './../outside',
  '.',
  './',
  '/',
  '//',
  '//etc',
  'escape',
  'escape/',
  'escape/new',
  'escape/secret.txt',
  'escape/../escape/new',
  'escape-file',
  'loop',
  'loop/x',
  'self',
  'self/..',
  'plain-file',
  'plain-file/x',
  '%2e%2e/outside',
  '%2e%2e%2foutside',
  '..%2foutside',
  '..\\outside',
  '..\\..\\outside',
  'x\u0000y',
  '\u0000',
  'ok/\u0000/../../outside',
  '．．/outside',
  '..\u2215outside',
  '\u202e..',
  '~',
  '~/x',
  '$HOME/x',
  'file:///etc',
  'C:\\Windows',
  '\\\\server\\share',
  'n'.repeat(300),
  'a/'.repeat(2_000),
  'a'.repeat(5_000),
];

interface Outcome {
  method: string;
  param: string;
  value: string;
  result: 'refused' | 'served' | 'violation';
  detail: string;
}

t.test(
  'hostile paths and run ids get clear errors and touch nothing outside the runs directory',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    const { home } = daemon;
    const runsDir = daemon.runsDir;
    const outside = join(home, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), SECRET);
    await symlink('../outside', join(runsDir, 'escape'));
    await symlink('../outside/secret.txt', join(runsDir, 'escape-file'));
    await symlink('loop', join(runsDir, 'loop'));
    await symlink('.', join(runsDir, 'self'));
    await writeFile(join(runsDir, 'plain-file'), 'not a directory');
    // A finished run with a report, an artifact, and an artifact that is a symlink out of the runs directory.
    const finished = await client.run.start({
      argv: [
        'sh',
        '-c',
        'echo "# ok" > "$RUNYARD_REPORTS_DIR/report.md"; echo data > "$RUNYARD_ARTIFACTS_DIR/data.txt"; ' +
          `ln -s ${join(outside, 'secret.txt')} "$RUNYARD_ARTIFACTS_DIR/leak"; ln -s ../../../outside "$RUNYARD_REPORTS_DIR/up"`,
      ],
    });
    t.equal(
      (await client.run.wait({ runId: finished.runId })).status,
      'succeeded',
      'the fixture run succeeded',
    );
    const before = snapshot(home);

    const discovered = (await client.call('rpc.discover')) as { methods: DiscoveredMethod[] };
    const targets = attackTargets(discovered.methods);
    t.ok(
      targets.some((target) => target.method === 'run.start' && target.param === 'outputDir'),
      `methods and params under attack: ${targets.map((target) => `${target.method}(${target.param})`).join(', ')}`,
    );
    const outcomes: Outcome[] = [];
    for (const target of targets) {
      const values = target.kind === 'runId' ? hostileRunIds(finished.runId) : hostilePaths(home);
      for (const value of values) {
        for (const overwrite of target.param === 'outputDir' ? [false, true] : [undefined]) {
          const params = { ...target.baseParams(finished.runId), [target.param]: value };
          if (overwrite !== undefined) params.overwrite = overwrite;
          outcomes.push(await attack(client, runsDir, target, value, params));
        }
      }
    }
    t.ok(outcomes.length >= 30 * 3, `${outcomes.length} attacks`);
    t.same(
      outcomes.filter((outcome) => outcome.result === 'violation'),
      [],
      'no attack was served from or into a place outside the runs directory',
    );
    // A retained run may be named by its directory: a name an earlier attack made a real run
    // directory of (an outputDir of "~" is inside the runs directory) names that run, and nothing else.
    const namesRunDir = (outcome: Outcome) =>
      outcome.method.startsWith('retained.') &&
      outcome.param === 'runId' &&
      existsSync(join(runsDir, outcome.value, 'retention-summary.json'));
    const runIdServed = outcomes.filter(
      (outcome) => outcome.param === 'runId' && outcome.result !== 'refused' && !namesRunDir(outcome),
    );
    t.same(runIdServed, [], 'every hostile run id is refused with an error');
    const retainedServed = outcomes.filter(
      (outcome) =>
        outcome.method.startsWith('retained.') && outcome.result !== 'refused' && !namesRunDir(outcome),
    );
    t.same(retainedServed, [], 'every hostile retained.* path is refused with an error');
    t.comment(
      `refused ${outcomes.filter((outcome) => outcome.result === 'refused').length}, ` +
        `served inside the runs directory ${outcomes.filter((outcome) => outcome.result === 'served').length}`,
    );

    // Let the runs that were allowed (an odd but contained outputDir or cwd) finish before looking around.
    const started = await client.run.list({ limit: 1_000 });
    for (const run of started.runs) await client.run.wait({ runId: run.runId });
    t.same(changes(before, snapshot(home)), [], 'nothing outside the runs directory changed');
    t.notOk(existsSync(`/tmp/runyard-path-attack-${nonce}`), 'no absolute target was created');
    t.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), SECRET, 'the outside file is intact');
  },
);

t.test('a log replaced by a symlink or a FIFO is read as absent, never followed or waited on', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const outside = join(daemon.home, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), SECRET);
  const run = await client.run.start({ argv: ['sh', '-c', 'echo hello; echo oops >&2'] });
  t.equal((await client.run.wait({ runId: run.runId })).status, 'succeeded', 'the fixture run succeeded');
  // Whoever can write into a run directory (the run itself, another process) swaps the logs.
  await rm(join(run.runDir, 'logs', 'stdout.log'));
  await symlink(join(outside, 'secret.txt'), join(run.runDir, 'logs', 'stdout.log'));
  await rm(join(run.runDir, 'logs', 'stderr.log'));
  execFileSync('mkfifo', [join(run.runDir, 'logs', 'stderr.log')]);
  const leaked = (value: unknown) => JSON.stringify(value).includes(SECRET.slice(0, 6));
  t.match(
    await client.run.logs({ runId: run.runId }),
    { text: '', size: 0 },
    'run.logs does not follow the link',
  );
  t.match(
    await client.run.logs({ runId: run.runId, stream: 'stderr' }, { timeoutMs: 5_000 }),
    { text: '', size: 0 },
    'run.logs does not wait on the FIFO',
  );
  const { events } = await client.run.events({ runId: run.runId }, { timeoutMs: 5_000 });
  t.notOk(leaked(events), 'run.events does not read through the link');
  t.same(
    events.filter((event) => event.type === 'output').map((event) => event.text),
    ['', ''],
    'the output events stay, without their bytes',
  );
});

interface DiscoveredMethod {
  name: string;
  params: { name: string; required?: boolean }[];
  examples?: { params: { name: string; value: unknown }[] }[];
}

interface Target {
  method: string;
  param: string;
  kind: 'runId' | 'path';
  baseParams: (runId: string) => Record<string, unknown>;
}

/**
 * Every param of every method (read from rpc.discover, so methods added later are attacked too) that
 * names a run or a path, with valid other params taken from the method's first example.
 */
/** Params attacked whatever rpc.discover says (an openrpc.json that lists no params must not hide them). */
const KNOWN_PARAMS: Record<string, string[]> = {
  'run.start': ['argv', 'cwd', 'outputDir'],
  'action.set': ['name', 'argv', 'cwd'],
};

function attackTargets(methods: DiscoveredMethod[]): Target[] {
  const targets: Target[] = [];
  for (const method of methods) {
    const names = [
      ...new Set([...method.params.map((param) => param.name), ...(KNOWN_PARAMS[method.name] ?? [])]),
    ];
    const example = Object.fromEntries(
      (method.examples?.[0]?.params ?? []).map((entry) => [entry.name, entry.value]),
    );
    for (const name of names) {
      const kind = name === 'runId' ? 'runId' : /(path|dir|cwd|file)$/i.test(name) ? 'path' : undefined;
      if (!kind) continue;
      targets.push({
        method: method.name,
        param: name,
        kind,
        baseParams: (runId) => {
          const params: Record<string, unknown> = { ...example };
          if (names.includes('runId')) params.runId = runId;
          // Nothing an attack starts may do anything but exit.
          if (names.includes('argv')) params.argv = ['true'];
          if (method.name === 'action.set') params.name = 'path-attack';
          return params;
        },
      });
    }
  }
  return targets;
}

async function attack(
  client: RunyardClient,
  runsDir: string,
  target: Target,
  value: string,
  params: Record<string, unknown>,
): Promise<Outcome> {
  const outcome = (result: Outcome['result'], detail: string): Outcome => ({
    method: target.method,
    param: target.param,
    value: value.length > 60 ? `${value.slice(0, 60)}…` : value,
    result,
    detail,
  });
  let answer: unknown;
  try {
    answer = await client.call(target.method, params);
  } catch (error) {
    const { code, data } = error as { code?: number; data?: { reason?: unknown } };
    const clear =
      code === -32602 || (typeof code === 'number' && code >= 1000 && typeof data?.reason === 'string');
    return outcome(
      clear ? 'refused' : 'violation',
      `${code} ${String(data?.reason ?? (error as Error).message)}`,
    );
  }
  const text = JSON.stringify(answer);
  if (text.includes(SECRET)) return outcome('violation', 'served the outside file');
  if (target.method === 'action.set') {
    // The template is only stored; what matters is the run started from it.
    const started = await attack(client, runsDir, { ...target, method: 'run.start' }, value, {
      action: 'path-attack',
    });
    return { ...started, method: 'action.set+run.start' };
  }
  const runDir = (answer as { runDir?: unknown }).runDir;
  if (typeof runDir === 'string') {
    const real = await realpath(runDir).catch(() => runDir);
    if (!real.startsWith(runsDir + sep)) return outcome('violation', `run directory ${real}`);
    return outcome('served', `run directory ${real.slice(runsDir.length + 1)}`);
  }
  return outcome('served', text.slice(0, 80));
}

interface Entry {
  path: string;
  kind: string;
  size: number;
  mtimeMs: number;
  digest: string;
}

/** Everything under `home` except the runs directory and the index files the daemon rewrites as it works. */
function snapshot(home: string): Entry[] {
  const entries: Entry[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (path === join(home, 'runs')) continue;
      if (/^runyard\.db(-wal|-shm|-journal)?$/.test(name)) continue;
      const info = lstatSync(path);
      const kind = info.isSymbolicLink() ? 'link' : info.isDirectory() ? 'dir' : 'file';
      const digest = kind === 'file' ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
      entries.push({ path, kind, size: info.size, mtimeMs: info.mtimeMs, digest });
      if (kind === 'dir') visit(path);
    }
  };
  visit(home);
  entries.push({ path: home, kind: 'dir', size: 0, mtimeMs: statSync(home).mtimeMs, digest: '' });
  return entries;
}

function changes(before: Entry[], after: Entry[]): string[] {
  const key = (entry: Entry) => JSON.stringify(entry);
  const was = new Set(before.map(key));
  const now = new Set(after.map(key));
  return [
    ...before.filter((entry) => !now.has(key(entry))).map((entry) => `changed or removed: ${entry.path}`),
    ...after.filter((entry) => !was.has(key(entry))).map((entry) => `new or changed: ${entry.path}`),
  ];
}
