// The exit code tells the kind of failure apart, for every command, and --json prints the failure as one
// JSON object on stderr: 1 the daemon said no, 2 usage, 3 no daemon reached.
import { createServer } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { version } from '../../src/schema/version.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';

const daemon = await startDaemon(t);
const connection = ['--url', daemon.url, '--token', daemon.token];

const errorOf = (stderr: string) => (JSON.parse(stderr) as { error: Record<string, unknown> }).error;

async function freePortUrl(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return `ws://127.0.0.1:${port}/rpc`;
}

t.test('a usage error exits 2, and with --json says reason usage', async (t) => {
  const text = await runCli(['run', 'status', '--bogus']);
  t.equal(text.code, 2);
  t.match(text.stderr, /^runyard: Unknown option '--bogus'/);
  const json = await runCli(['service', 'nope', '--json']);
  t.equal(json.code, 2);
  t.same(errorOf(json.stderr), {
    code: null,
    reason: 'usage',
    message: 'unknown service command "nope"',
    data: null,
  });
});

t.test('a bad run id is refused in words before any round trip, exit 2', async (t) => {
  // Nothing listens at this URL: a round trip would exit 3.
  const result = await runCli([
    'run',
    'cancel',
    'not-a-ulid',
    '--url',
    await freePortUrl(),
    '--token',
    'x',
    '--json',
  ]);
  t.equal(result.code, 2);
  t.match(errorOf(result.stderr), { reason: 'usage', message: /^not a run id: "not-a-ulid"/ });
});

t.test('no daemon.json exits 3 with reason no_daemon', async (t) => {
  const result = await runCli(['action', 'list', '--state-dir', t.testdir(), '--json']);
  t.equal(result.code, 3);
  t.match(errorOf(result.stderr), { code: null, reason: 'no_daemon', message: /daemon\.json is missing/ });
});

t.test('nothing listening at the URL exits 3 with reason unreachable', async (t) => {
  const url = await freePortUrl();
  const result = await runCli(['service', 'list', '--url', url, '--token', 'x', '--json']);
  t.equal(result.code, 3);
  t.match(errorOf(result.stderr), { reason: 'unreachable', message: `cannot connect to runyard at ${url}` });
});

t.test('a refused token exits 3 with reason token_refused', async (t) => {
  const result = await runCli(['rpc', 'daemon.info', '--url', daemon.url, '--token', 'wrong', '--json']);
  t.equal(result.code, 3);
  t.match(errorOf(result.stderr), { reason: 'token_refused', message: /HTTP 401/ });
});

t.test("a daemon's error answer exits 1 with its code and reason", async (t) => {
  const result = await runCli(['action', 'get', 'missing-one', ...connection, '--json']);
  t.equal(result.code, 1);
  t.match(errorOf(result.stderr), { code: 1301, reason: 'action_not_found', data: { name: 'missing-one' } });
});

t.test('an offline refusal exits 1 with the code and reason of the registry', async (t) => {
  const result = await runCli(['runs', 'reports', 'no-such-run', '--runs-dir', t.testdir(), '--json']);
  t.equal(result.code, 1);
  t.match(errorOf(result.stderr), { code: 1201, reason: 'retained_run_not_found' });
});

t.test('index commands refuse a state directory a daemon uses: exit 1, reason daemon_running', async (t) => {
  const result = await runCli([
    'index',
    'rebuild',
    '--state-dir',
    daemon.stateDir,
    '--runs-dir',
    daemon.runsDir,
    '--json',
  ]);
  t.equal(result.code, 1);
  t.match(errorOf(result.stderr), { reason: 'daemon_running', data: { pid: daemon.child.pid } });
});

t.test('--json after -- belongs to the command being run, not to runyard', async (t) => {
  const result = await runCli(['run', 'start', '--bogus', '--', 'echo', '--json']);
  t.equal(result.code, 2);
  t.match(result.stderr, /^runyard: Unknown option/);
});

t.test("version prints this runyard's version and the daemon's", async (t) => {
  const text = await runCli(['version', ...connection]);
  t.equal(text.code, 0, text.stderr);
  t.equal(text.stdout, `runyard ${version}\ndaemon ${version} at ${daemon.url}\n`);
  const json = await runCli(['version', ...connection, '--json']);
  t.same(JSON.parse(json.stdout), { version, daemon: { version, url: daemon.url } });
});

t.test('version without a reachable daemon still exits 0 and says why', async (t) => {
  const text = await runCli(['version', '--state-dir', t.testdir()]);
  t.equal(text.code, 0);
  t.match(
    text.stdout,
    new RegExp(`^runyard ${version.replaceAll('.', '\\.')}\\ndaemon: not reached \\(no runyard daemon found`),
  );
  const json = await runCli(['version', '--state-dir', t.testdir(), '--json']);
  t.same(JSON.parse(json.stdout), { version, daemon: null });
});
