import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];

/** `runyard GROUP SUBCOMMAND ...` against the test daemon, found through --url and --token (placed before any --). */
const action = (subcommand: string, ...args: string[]) =>
  runCli(['action', subcommand, ...connection, ...args]);
const run = (subcommand: string, ...args: string[]) => runCli(['run', subcommand, ...connection, ...args]);

async function writeSpec(dir: string, spec: unknown): Promise<string> {
  const path = join(dir, 'spec.json');
  await writeFile(path, JSON.stringify(spec));
  return path;
}

t.test('action set with flags stores the command, environment, labels and limits it was given', async (t) => {
  const result = await action(
    'set',
    'flags-lint',
    '--description',
    'Lint the workspace',
    '--cwd',
    '/tmp',
    '--env',
    'TOKEN=s3cret=value',
    '--label',
    'kind=check',
    '--priority=-5',
    '--timeout-ms',
    '60000',
    '--kill-grace-ms',
    '0',
    '--',
    'sh',
    '-c',
    'echo "$@"',
    '--json',
  );
  t.equal(result.code, 0, result.stderr);
  const { spec, source } = await client.action.get({ name: 'flags-lint' });
  t.equal(source, 'rpc');
  t.match(spec, {
    name: 'flags-lint',
    description: 'Lint the workspace',
    argv: ['sh', '-c', 'echo "$@"', '--json'],
    cwd: '/tmp',
    env: { TOKEN: 's3cret=value' },
    labels: { kind: 'check' },
    priority: -5,
    timeoutMs: 60_000,
    killGraceMs: 0,
  });
});

t.test('action set prints the stored action without the values of its environment', async (t) => {
  const result = await action('set', 'set-output', '--env', 'PASSWORD=hunter2', '--', 'true');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^name:\s+set-output$/m);
  t.match(result.stdout, /^env:\s+PASSWORD$/m);
  t.notMatch(result.stdout, 'hunter2');
});

t.test('action set --file stores the JSON spec, including the retry that no flag sets', async (t) => {
  const spec = {
    name: 'file-flaky',
    description: 'Retried',
    argv: ['false'],
    retry: { maxAttempts: 3, initialDelayMs: 0 },
  };
  const result = await action('set', '--file', await writeSpec(t.testdir(), spec));
  t.equal(result.code, 0, result.stderr);
  t.match((await client.action.get({ name: 'file-flaky' })).spec, spec);
  t.match(result.stdout, /^retry:\s+up to 3 attempts$/m);
});

t.test('action set --file - reads the spec from stdin', async (t) => {
  const result = await runCli(['action', 'set', ...connection, '--file', '-'], {
    input: JSON.stringify({ name: 'stdin-echo', argv: ['echo', 'from stdin'] }),
  });
  t.equal(result.code, 0, result.stderr);
  t.same((await client.action.get({ name: 'stdin-echo' })).spec.argv, ['echo', 'from stdin']);
});

t.test('action set --json prints the result of action.set exactly', async (t) => {
  const result = await action('set', 'json-set', '--json', '--', 'true');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, JSON.stringify(await client.action.get({ name: 'json-set' }), null, 2) + '\n');
});

t.test('action get shows a readable block with environment names and never their values', async (t) => {
  await client.action.set({
    name: 'get-block',
    description: 'Shown as a block',
    argv: ['echo', 'hi there'],
    cwd: 'work',
    env: { API_KEY: 'never-print-me', REGION: 'also-secret' },
    labels: { team: 'web' },
    timeoutMs: 120_000,
  });
  const result = await action('get', 'get-block');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^name:\s+get-block$/m);
  t.match(result.stdout, /^description:\s+Shown as a block$/m);
  t.match(result.stdout, /^command:\s+echo 'hi there'$/m);
  t.match(result.stdout, /^cwd:\s+work$/m);
  t.match(result.stdout, /^env:\s+API_KEY REGION$/m);
  t.match(result.stdout, /^labels:\s+team=web$/m);
  t.match(result.stdout, /^timeout:\s+120000 ms$/m);
  t.match(result.stdout, /^source:\s+rpc$/m);
  t.match(result.stdout, /^updated:\s+\d{4}-\d\d-\d\dT/m);
  t.notMatch(result.stdout, 'never-print-me');
  t.notMatch(result.stdout, 'also-secret');
});

t.test('action get --json prints the result of action.get exactly', async (t) => {
  await client.action.set({ name: 'get-json', argv: ['true'], env: { KEY: 'value' } });
  const result = await action('get', 'get-json', '--json');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, JSON.stringify(await client.action.get({ name: 'get-json' }), null, 2) + '\n');
});

t.test('action get of an unknown action exits 1 naming it', async (t) => {
  const result = await action('get', 'no-such-action');
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.equal(result.stderr, 'runyard: action no-such-action not found (action_not_found)\n');
});

t.test('action list prints a table with one row per action, by name', async (t) => {
  await client.action.set({ name: 'list-a', description: 'First\nof two', argv: ['echo', 'a b'] });
  await client.action.set({ name: 'list-b', argv: ['true'] });
  const result = await action('list');
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.match(lines[0], /^NAME\s+SOURCE\s+COMMAND\s+DESCRIPTION$/);
  t.match(result.stdout, /^list-a\s+rpc\s+echo 'a b'\s+First of two$/m);
  t.match(result.stdout, /^list-b\s+rpc\s+true\s+-$/m);
  t.ok(
    lines.findIndex((line) => line.startsWith('list-a')) <
      lines.findIndex((line) => line.startsWith('list-b')),
  );
});

t.test('action list --json prints the result of action.list exactly', async (t) => {
  const result = await action('list', '--json');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, JSON.stringify(await client.action.list(), null, 2) + '\n');
});

t.test('action delete removes the action', async (t) => {
  await client.action.set({ name: 'delete-me', argv: ['true'] });
  const result = await action('delete', 'delete-me');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'deleted action delete-me\n');
  t.equal((await action('get', 'delete-me')).code, 1);
});

t.test('action delete of an action a service uses exits 1 naming the service', async (t) => {
  await client.action.set({ name: 'in-use', argv: ['true'] });
  await client.service.set({ name: 'uses-it', actions: [{ action: 'in-use' }] });
  const result = await action('delete', 'in-use');
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.match(result.stderr, /^runyard: action in-use is used by services uses-it; .*\(action_in_use\)\n$/);
  t.ok(await client.action.get({ name: 'in-use' }), 'the action is still there');
});

t.test('run start ACTION runs the action, with flags overriding and adding to its fields', async (t) => {
  await client.action.set({
    name: 'greet',
    argv: ['sh', '-c', 'printf "%s %s" "$GREETING" "$WHO"'],
    env: { GREETING: 'hello', WHO: 'action' },
    labels: { kind: 'greeting' },
  });
  const result = await run('start', 'greet', '--env', 'WHO=override', '--label', 'extra=1');
  t.equal(result.code, 0, result.stderr);
  const runId = result.stdout.trimEnd();
  const finished = await client.run.wait({ runId, timeoutMs: 10_000 });
  t.equal(finished.status, 'succeeded');
  t.equal(finished.actionId, 'greet');
  t.equal(finished.serviceId, null);
  t.same(finished.labels, { kind: 'greeting', extra: '1' });
  t.equal((await client.run.logs({ runId })).text, 'hello override');
});

t.test('run start ACTION --follow shows the output of the action and exits with its outcome', async (t) => {
  await client.action.set({ name: 'follow-me', argv: ['sh', '-c', 'echo followed; exit 3'] });
  const result = await run('start', 'follow-me', '--follow');
  t.equal(result.code, 1);
  t.equal(result.stdout, 'followed\n');
  t.match(result.stderr, /failed \(exit 3\)/);
});

t.test('run start of an unknown action exits 1 naming it', async (t) => {
  const result = await run('start', 'no-such-action');
  t.equal(result.code, 1);
  t.equal(result.stderr, 'runyard: action no-such-action not found (action_not_found)\n');
});

t.test('run list --action shows only the runs of that action', async (t) => {
  await client.action.set({ name: 'listed', argv: ['true'] });
  const { runId } = await client.run.start({ action: 'listed' });
  await client.run.start({ argv: ['true'] });
  const result = await run('list', '--action', 'listed', '--json');
  t.equal(result.code, 0, result.stderr);
  const page = JSON.parse(result.stdout) as { runs: { runId: string }[] };
  t.same(
    page.runs.map((listed) => listed.runId),
    [runId],
  );
  const table = await run('list', '--action', 'listed');
  t.equal(table.stdout.trimEnd().split('\n').length, 2);
  t.match(table.stdout, runId);
});

t.test('run status names the action that created the run', async (t) => {
  await client.action.set({ name: 'provenance', argv: ['true'] });
  const { runId } = await client.run.start({ action: 'provenance' });
  const result = await run('status', runId);
  t.match(result.stdout, /^action:\s+provenance$/m);
  t.match(result.stdout, /^service:\s+-$/m);
});

t.test('run start with both an action and a command after -- is a usage error', async (t) => {
  await client.action.set({ name: 'not-both', argv: ['true'] });
  const result = await run('start', 'not-both', '--', 'echo', 'hi');
  t.equal(result.code, 2);
  t.match(result.stderr, 'give an ACTION or a command after --, not both');
});

t.test('action set without NAME is a usage error', async (t) => {
  const result = await action('set', '--', 'true');
  t.equal(result.code, 2);
  t.match(result.stderr, 'missing NAME');
});

t.test('action set without a command is a usage error', async (t) => {
  const result = await action('set', 'no-command');
  t.equal(result.code, 2);
  t.match(result.stderr, 'missing command');
});

t.test('action set with the command before -- is a usage error that shows where it goes', async (t) => {
  const result = await action('set', 'lint', 'npm', 'run', 'lint');
  t.equal(result.code, 2);
  t.match(result.stderr, 'put the command after --, e.g. -- npm run lint');
});

t.test('action get and delete without NAME are usage errors', async (t) => {
  for (const subcommand of ['get', 'delete']) {
    const result = await action(subcommand);
    t.equal(result.code, 2, subcommand);
    t.match(result.stderr, 'missing NAME');
  }
});

t.test('a --priority that is not an integer is a usage error', async (t) => {
  const result = await action('set', 'bad-priority', '--priority', 'high', '--', 'true');
  t.equal(result.code, 2);
  t.match(result.stderr, '--priority must be an integer, got "high"');
});

t.test('--file together with NAME or spec flags is a usage error', async (t) => {
  const path = await writeSpec(t.testdir(), { name: 'file-only', argv: ['true'] });
  for (const extra of [['file-only'], ['--cwd', '/tmp'], ['--', 'true']]) {
    const result = await action('set', '--file', path, ...extra);
    t.equal(result.code, 2, extra.join(' '));
    t.match(result.stderr, '--file holds the whole spec');
  }
});

t.test('--file that cannot be read or is not JSON is a usage error', async (t) => {
  const dir = t.testdir({ 'broken.json': '{ "name": ' });
  const missing = await action('set', '--file', join(dir, 'missing.json'));
  t.equal(missing.code, 2);
  t.match(missing.stderr, 'cannot read --file');
  const broken = await action('set', '--file', join(dir, 'broken.json'));
  t.equal(broken.code, 2);
  t.match(broken.stderr, 'is not valid JSON');
});

t.test('--file with a spec the daemon refuses exits 1 with the rule it broke', async (t) => {
  const result = await action('set', '--file', await writeSpec(t.testdir(), { name: 'empty', argv: [] }));
  t.equal(result.code, 1);
  t.match(result.stderr, /^runyard: Invalid params: \/argv .*\(invalid_params\)\n$/);
});

t.test('an unknown action subcommand is a usage error', async (t) => {
  const result = await action('rename', 'a', 'b');
  t.equal(result.code, 2);
  t.match(result.stderr, 'unknown action command "rename"');
});

t.test('action --help lists the subcommands on stdout and exits 0', async (t) => {
  const result = await runCli(['action', '--help']);
  t.equal(result.code, 0);
  t.match(result.stdout, /^Usage: runyard action COMMAND/);
  t.match(result.stdout, 'set --file SPEC.json');
});

t.test('every action subcommand prints its usage with --help and exits 0', async (t) => {
  for (const subcommand of ['set', 'get', 'list', 'delete']) {
    const result = await runCli(['action', subcommand, '--help']);
    t.equal(result.code, 0, subcommand);
    t.match(result.stdout, new RegExp(`^Usage: runyard action ${subcommand}\\b`));
  }
});
