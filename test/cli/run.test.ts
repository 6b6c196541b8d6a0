import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { promisify } from 'node:util';
import t from 'tap';
import { CLI, startDaemon } from '../helpers/daemon.js';

const execFileAsync = promisify(execFile);
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const UNKNOWN_RUN_ID = '01JD6W4ZK3Q8V5N2M7XKCB9TRE';

// The CLI must find the daemon only through what each test passes, never through the caller's shell.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RUNYARD_')));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runyard(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];

/** `runyard run SUBCOMMAND ...` against the test daemon, found through --url and --token (placed before any --). */
const run = (subcommand: string, ...args: string[]) => runyard('run', subcommand, ...connection, ...args);

async function startRun(...argv: string[]): Promise<string> {
  const started = await client.run.start({ argv });
  return started.runId;
}

async function finishedRun(...argv: string[]): Promise<string> {
  const runId = await startRun(...argv);
  await client.run.wait({ runId, timeoutMs: 10_000 });
  return runId;
}

t.test('start prints the id of a new run that the daemon knows', async (t) => {
  const result = await run('start', '--', 'echo', 'hello');
  t.equal(result.code, 0);
  t.equal(result.stderr, '');
  const runId = result.stdout.trimEnd();
  t.match(runId, ULID);
  t.equal(result.stdout, `${runId}\n`);
  const record = await client.run.status({ runId });
  t.same(record.argv, ['echo', 'hello']);
});

t.test('start finds the daemon through --state-dir', async (t) => {
  const result = await runyard('run', 'start', '--state-dir', daemon.stateDir, '--', 'true');
  t.equal(result.code, 0, result.stderr);
  const finished = await client.run.wait({ runId: result.stdout.trimEnd(), timeoutMs: 10_000 });
  t.equal(finished.status, 'succeeded');
});

t.test('start --json prints the run record with the labels and timeout it was given', async (t) => {
  const result = await run('start', '--json', '--label', 'suite=cli', '--timeout-ms', '60000', '--', 'true');
  t.equal(result.code, 0, result.stderr);
  const started = JSON.parse(result.stdout) as Record<string, unknown>;
  t.equal(result.stdout, JSON.stringify(started, null, 2) + '\n');
  t.match(started.runId, ULID);
  t.same(started.labels, { suite: 'cli' });
  t.equal(started.timeoutMs, 60_000);
  const status = await client.run.status({ runId: started.runId as string });
  t.same(Object.keys(started).sort(), Object.keys(status).sort());
});

t.test('everything after -- reaches the command untouched, flags and spaces included', async (t) => {
  const result = await run('start', '--', 'sh', '-c', 'printf "%s|" "$@"', 'sh', 'a b', '--json', '-h');
  t.equal(result.code, 0, result.stderr);
  const runId = result.stdout.trimEnd();
  await client.run.wait({ runId, timeoutMs: 10_000 });
  t.equal((await client.run.logs({ runId })).text, 'a b|--json|-h|');
});

t.test('start passes --env variables to the command', async (t) => {
  const result = await run(
    'start',
    '--env',
    'GREETING=hello=world',
    '--',
    'sh',
    '-c',
    'printf %s "$GREETING"',
  );
  const runId = result.stdout.trimEnd();
  await client.run.wait({ runId, timeoutMs: 10_000 });
  t.equal((await client.run.logs({ runId })).text, 'hello=world');
});

t.test('status shows a readable block for a finished run', async (t) => {
  const { runId } = await client.run.start({ argv: ['echo', 'hi there'], labels: { suite: 'status' } });
  await client.run.wait({ runId, timeoutMs: 10_000 });
  const result = await run('status', runId);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, new RegExp(`^run id:\\s+${runId}$`, 'm'));
  t.match(result.stdout, /^status:\s+succeeded$/m);
  t.match(result.stdout, /^command:\s+echo 'hi there'$/m);
  t.match(result.stdout, /^exit code:\s+0$/m);
  t.match(result.stdout, /^finished:\s+\d{4}-\d\d-\d\dT/m);
  t.match(result.stdout, /^run dir:\s+\//m);
  t.match(result.stdout, /^labels:\s+suite=status$/m);
});

t.test('status --json prints the same record as the SDK', async (t) => {
  const runId = await finishedRun('true');
  const result = await run('status', runId, '--json');
  t.equal(result.code, 0, result.stderr);
  const record = await client.run.status({ runId });
  t.equal(result.stdout, JSON.stringify(record, null, 2) + '\n');
});

t.test('status of an unknown run exits 1 with a message naming the run', async (t) => {
  const result = await run('status', UNKNOWN_RUN_ID);
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.equal(result.stderr, `runyard: run ${UNKNOWN_RUN_ID} not found (run_not_found)\n`);
});

t.test('list prints a table of the runs with a label, newest first', async (t) => {
  const { runId: older } = await client.run.start({ argv: ['true'], labels: { batch: 'table' } });
  const { runId: newer } = await client.run.start({ argv: ['echo', 'two'], labels: { batch: 'table' } });
  await client.run.start({ argv: ['true'], labels: { batch: 'other' } });
  await client.run.wait({ runId: newer, timeoutMs: 10_000 });
  const result = await run('list', '--label', 'batch=table');
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.match(lines[0], /^RUN ID\s+STATUS\s+CREATED\s+EXIT\s+COMMAND$/);
  t.equal(lines.length, 3);
  t.match(lines[1], new RegExp(`^${newer}\\s+\\w+\\s+\\S+\\s+\\S+\\s+echo two$`));
  t.match(lines[2], new RegExp(`^${older}\\s`));
  t.equal(result.stderr, '');
});

t.test('list --json prints the page the daemon returned for a label filter', async (t) => {
  const { runId } = await client.run.start({ argv: ['true'], labels: { batch: 'json' } });
  const result = await run('list', '--json', '--label', 'batch=json');
  t.equal(result.code, 0, result.stderr);
  const page = JSON.parse(result.stdout) as { runs: { runId: string }[]; nextCursor: string | null };
  t.equal(result.stdout, JSON.stringify(page, null, 2) + '\n');
  t.same(
    page.runs.map((listed) => listed.runId),
    [runId],
  );
  t.equal(page.nextCursor, null);
});

t.test('list names the cursor of the next page on stderr, and --cursor shows it', async (t) => {
  const { runId: older } = await client.run.start({ argv: ['true'], labels: { batch: 'pages' } });
  const { runId: newer } = await client.run.start({ argv: ['true'], labels: { batch: 'pages' } });
  const first = await run('list', '--label', 'batch=pages', '--limit', '1');
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, newer);
  t.equal(first.stderr, `more: --cursor ${newer}\n`);
  const second = await run('list', '--label', 'batch=pages', '--limit', '1', '--cursor', newer);
  t.match(second.stdout, older);
  t.notMatch(second.stdout, newer);
});

t.test('list --text shows the runs whose command holds the text, any ASCII case', async (t) => {
  const { runId } = await client.run.start({ argv: ['echo', 'Needle-CLI'], labels: { batch: 'text' } });
  await client.run.start({ argv: ['echo', 'hay'], labels: { batch: 'text' } });
  await client.run.wait({ runId, timeoutMs: 10_000 });
  const result = await run('list', '--json', '--text', 'needle-cli');
  t.equal(result.code, 0, result.stderr);
  const page = JSON.parse(result.stdout) as { runs: { runId: string }[] };
  t.same(
    page.runs.map((listed) => listed.runId),
    [runId],
  );
});

t.test('list --text with an empty text exits 2 before any round trip', async (t) => {
  const result = await runyard('run', 'list', '--text', '', '--url', 'ws://127.0.0.1:9/rpc');
  t.equal(result.code, 2);
  t.match(result.stderr, /^runyard: --text: must not be empty\n/);
});

t.test(
  'list with an unknown status exits 2 naming the statuses there are, before any round trip',
  async (t) => {
    const result = await runyard('run', 'list', '--status', 'sleeping', '--url', 'ws://127.0.0.1:9/rpc');
    t.equal(result.code, 2);
    t.match(result.stderr, /^runyard: --status: must be one of queued, running, .*, got "sleeping"\n/);
  },
);

t.test('cancel ends a sleeping run as cancelled', async (t) => {
  const runId = await startRun('sleep', '30');
  const result = await run('cancel', runId);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^cancelled\b.*\n$/);
  t.equal((await client.run.status({ runId })).status, 'cancelled');
});

t.test('cancel --json prints the cancelled record', async (t) => {
  const runId = await startRun('sleep', '30');
  const result = await run('cancel', runId, '--json');
  t.equal(result.code, 0, result.stderr);
  t.match(JSON.parse(result.stdout), { runId, status: 'cancelled' });
});

t.test('wait exits 0 when the run succeeded', async (t) => {
  const runId = await startRun('true');
  const result = await run('wait', runId);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'succeeded (exit 0)\n');
});

t.test('wait exits 1 when the run failed', async (t) => {
  const runId = await startRun('false');
  const result = await run('wait', runId);
  t.equal(result.code, 1);
  t.equal(result.stdout, 'failed (exit 1)\n');
});

t.test('wait exits 4 when the run is still running after --timeout-ms', async (t) => {
  const runId = await startRun('sleep', '30');
  t.teardown(() => client.run.cancel({ runId }));
  const result = await run('wait', runId, '--timeout-ms', '50');
  t.equal(result.code, 4);
  t.equal(result.stdout, 'running\n');
  t.match(result.stderr, `run ${runId} is still running`);
});

t.test('wait --json prints the finished record', async (t) => {
  const runId = await startRun('true');
  const result = await run('wait', runId, '--json');
  t.equal(result.code, 0, result.stderr);
  t.match(JSON.parse(result.stdout), { runId, status: 'succeeded', exitCode: 0 });
});

t.test('logs prints what the command wrote to stdout', async (t) => {
  const runId = await finishedRun('echo', 'hello from runyard');
  const result = await run('logs', runId);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'hello from runyard\n');
});

t.test('logs --stderr prints what the command wrote to stderr', async (t) => {
  const runId = await finishedRun('sh', '-c', 'echo out; echo oops >&2');
  const result = await run('logs', runId, '--stderr');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'oops\n');
});

t.test('logs pages through a log larger than one request', async (t) => {
  const runId = await finishedRun(process.execPath, '-e', "process.stdout.write('x'.repeat(200000) + 'end')");
  const result = await run('logs', runId);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout.length, 200_003);
  t.ok(result.stdout.endsWith('xend'));
});

t.test('logs --json prints one slice from --offset up to --limit bytes', async (t) => {
  const runId = await finishedRun('echo', 'hello');
  const result = await run('logs', runId, '--json', '--offset', '1', '--limit', '3');
  t.equal(result.code, 0, result.stderr);
  t.same(JSON.parse(result.stdout), { text: 'ell', offset: 1, nextOffset: 4, size: 6, eof: false });
});

t.test('start without a command after -- is a usage error', async (t) => {
  const result = await run('start', '--label', 'a=b', '--');
  t.equal(result.code, 2);
  t.match(result.stderr, /missing command/);
});

t.test('start with the command before -- is a usage error', async (t) => {
  const result = await run('start', 'echo', 'hi');
  t.equal(result.code, 2);
  t.match(result.stderr, /put the command after --/);
});

t.test('a --timeout-ms that is not a positive integer is a usage error', async (t) => {
  for (const value of ['0', '-5', '1.5', 'soon']) {
    const result = await run('start', `--timeout-ms=${value}`, '--', 'true');
    t.equal(result.code, 2, value);
    t.match(result.stderr, `--timeout-ms must be a positive integer, got "${value}"`);
  }
});

t.test('a --label without = is a usage error', async (t) => {
  const result = await run('start', '--label', 'suite', '--', 'true');
  t.equal(result.code, 2);
  t.match(result.stderr, '--label must be KEY=VALUE, got "suite"');
});

t.test('an unknown run subcommand is a usage error', async (t) => {
  const result = await run('restart', UNKNOWN_RUN_ID);
  t.equal(result.code, 2);
  t.match(result.stderr, 'unknown run command "restart"');
});

t.test('an unknown flag is a usage error', async (t) => {
  const result = await run('status', UNKNOWN_RUN_ID, '--verbose');
  t.equal(result.code, 2);
  t.match(result.stderr, '--verbose');
});

t.test('run without a subcommand prints usage on stderr and exits 2', async (t) => {
  const result = await runyard('run');
  t.equal(result.code, 2);
  t.equal(result.stdout, '');
  t.match(result.stderr, /^Usage: runyard run COMMAND/);
});

t.test('--help prints the usage of one subcommand on stdout and exits 0', async (t) => {
  const result = await runyard('run', 'logs', '--help');
  t.equal(result.code, 0);
  t.match(result.stdout, /^Usage: runyard run logs RUN_ID/);
  t.match(result.stdout, '--stderr');
  t.equal(result.stderr, '');
});

t.test('a daemon that cannot be reached exits 3 with a message naming the url', async (t) => {
  // A port that was free a moment ago: nothing listens there.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  const url = `ws://127.0.0.1:${port}/rpc`;
  const result = await runyard('run', 'status', UNKNOWN_RUN_ID, '--url', url, '--token', 'secret');
  t.equal(result.code, 3);
  t.equal(result.stderr, `runyard: cannot connect to runyard at ${url}\n`);
});

t.test('a state directory without a daemon exits 3 saying none was found', async (t) => {
  const stateDir = t.testdir();
  const result = await runyard('run', 'list', '--state-dir', stateDir);
  t.equal(result.code, 3);
  t.match(result.stderr, /^runyard: no runyard daemon found: .*daemon\.json is missing/);
});

t.test('a wrong token exits 3 saying the daemon refused it', async (t) => {
  const result = await runyard('run', 'list', '--url', daemon.url, '--token', 'wrong');
  t.equal(result.code, 3);
  t.match(result.stderr, /refused the token \(HTTP 401\)/);
});
