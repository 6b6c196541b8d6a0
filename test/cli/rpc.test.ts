// `runyard rpc` against a real daemon: every method of the contract reachable by name, params typed from
// the daemon's rpc.discover, and what does not fit refused in words before the call.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];
/** `runyard rpc WORD ...` with the test daemon's --url and --token after the first word. */
const rpc = (first: string, ...rest: string[]) => runCli(['rpc', first, ...connection, ...rest]);

interface MethodEntry {
  name: string;
  result?: unknown;
  'x-notification'?: unknown;
  examples?: { params: { name: string; value: unknown }[] }[];
}

/** An example's params as `key=value` words, the way an operator would type them. */
const words = (params: { name: string; value: unknown }[]) =>
  params.flatMap(({ name, value }) =>
    typeof value === 'string'
      ? [`${name}=${value}`]
      : Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')
        ? value.map((item: string) => `${name}=${item}`)
        : [`${name}=${JSON.stringify(value)}`],
  );

t.test('every method of openrpc.json is reached through runyard rpc with its first example', async (t) => {
  const document = JSON.parse(await readFile(new URL('../../openrpc.json', import.meta.url), 'utf8')) as {
    methods: MethodEntry[];
  };
  const methods = document.methods.filter(
    (method) => method.result !== undefined && !method['x-notification'],
  );
  t.ok(methods.length >= 25, `${methods.length} methods`);
  const answered: string[] = [];
  for (let start = 0; start < methods.length; start += 6) {
    const batch = methods.slice(start, start + 6);
    const results = await Promise.all(
      batch.map((method) => rpc(method.name, '--json', ...words(method.examples?.[0]?.params ?? []))),
    );
    for (const [i, result] of results.entries()) {
      const name = batch[i]!.name;
      if (result.code === 0) {
        JSON.parse(result.stdout);
        answered.push(name);
        continue;
      }
      t.equal(result.code, 1, `${name}: the daemon answered (${result.stderr})`);
      const { error } = JSON.parse(result.stderr) as { error: { code: number; reason: string } };
      t.notOk(
        [-32601, -32602].includes(error.code),
        `${name}: neither unknown nor invalid params (${error.reason})`,
      );
    }
  }
  t.ok(
    answered.includes('daemon.info') && answered.includes('run.start'),
    `answered: ${answered.join(', ')}`,
  );
});

t.test('a call prints its result as JSON on stdout and exits 0', async (t) => {
  const result = await rpc('daemon.info');
  t.equal(result.code, 0, result.stderr);
  const info = JSON.parse(result.stdout) as { version: string; pid: number };
  t.equal(result.stdout, JSON.stringify(info, null, 2) + '\n');
  t.equal(info.pid, daemon.child.pid);
});

t.test(
  'key=value words are typed from the params schema: numbers, booleans, repeated array keys, JSON',
  async (t) => {
    const result = await rpc(
      'run.start',
      'argv=sh',
      'argv=-c',
      'argv=exit 3',
      'priority=5',
      'labels={"via":"rpc"}',
    );
    t.equal(result.code, 0, result.stderr);
    const { runId } = JSON.parse(result.stdout) as { runId: string };
    const record = await client.run.wait({ runId, timeoutMs: 10_000 });
    t.match(record, { argv: ['sh', '-c', 'exit 3'], priority: 5, labels: { via: 'rpc' }, exitCode: 3 });

    const listed = await rpc('run.list', 'status=failed', 'status=succeeded', 'limit=1');
    t.equal(listed.code, 0, listed.stderr);
    t.equal((JSON.parse(listed.stdout) as { runs: unknown[] }).runs.length, 1);
    const asJson = await rpc('run.start', 'argv=["echo","a b"]', 'overwrite=false');
    t.equal(asJson.code, 0, asJson.stderr);
    t.same((JSON.parse(asJson.stdout) as { argv: string[] }).argv, ['echo', 'a b']);
  },
);

t.test('--params takes the params as JSON, and - reads them from stdin', async (t) => {
  const inline = await rpc('run.list', '--params', '{"limit":1}');
  t.equal(inline.code, 0, inline.stderr);
  const fromStdin = await runCli(['rpc', 'run.list', '--params', '-', ...connection], {
    input: '{"limit":2}',
  });
  t.equal(fromStdin.code, 0, fromStdin.stderr);
  t.ok((JSON.parse(fromStdin.stdout) as { runs: unknown[] }).runs.length <= 2);
  const both = await rpc('run.list', '--params', '{}', 'limit=1');
  t.equal(both.code, 2);
});

t.test('values that do not fit are refused in words with exit 2, never sent', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run.wait', 'runId=abc'], /^runyard: runId: not a run id: "abc"/],
    [
      ['run.wait', 'runId=01JD6W4ZK3Q8V5N2M7XKCB9TRE', 'timeoutMs=soon'],
      /timeoutMs: must be an integer, got "soon"/,
    ],
    [
      ['run.wait', 'runId=01JD6W4ZK3Q8V5N2M7XKCB9TRE', 'timeoutMs=4000000'],
      /timeoutMs: must be at most 3600000/,
    ],
    [['service.stop', 'name=web', 'removeJobs=yes'], /removeJobs: must be true or false, got "yes"/],
    [['run.list', 'status=sleeping'], /status: must be one of queued, running/],
    [['run.start', 'labels=suite'], /labels: must be a JSON object, got "suite"/],
    [['run.wait', 'timeoutMs=5'], /run\.wait needs runId/],
    [['run.wait', 'runID=x'], /unknown param "runID" for run\.wait; its params: runId, timeoutMs/],
    [['daemon.info', 'verbose=true'], /unknown param "verbose" for daemon\.info; it takes none/],
    [['run.status', 'runId'], /expected key=value, got "runId"/],
    [['no.such'], /unknown method "no\.such"/],
    [['run.event'], /run\.event is a notification/],
  ];
  const before = (await client.run.list({ limit: 1000 })).runs.length;
  for (const [args, message] of cases) {
    const result = await rpc(args[0]!, ...args.slice(1));
    t.equal(result.code, 2, args.join(' '));
    t.match(result.stderr, message, args.join(' '));
    t.equal(result.stdout, '');
  }
  t.equal((await client.run.list({ limit: 1000 })).runs.length, before, 'nothing was started');
});

t.test(
  'a method error answered by the daemon exits 1 with its code and reason, in JSON with --json',
  async (t) => {
    const runId = '01JD6W4ZK3Q8V5N2M7XKCB9TRE';
    const text = await rpc('run.status', `runId=${runId}`);
    t.equal(text.code, 1);
    t.equal(text.stderr, `runyard: run ${runId} not found (run_not_found)\n`);
    const json = await rpc('run.status', `runId=${runId}`, '--json');
    t.equal(json.code, 1);
    t.same(JSON.parse(json.stderr), {
      error: {
        code: 1001,
        reason: 'run_not_found',
        message: `run ${runId} not found`,
        data: { reason: 'run_not_found', runId },
      },
    });
  },
);

t.test('rpc list prints every callable method with its summary, and no notification', async (t) => {
  const result = await rpc('list');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^daemon\.info +Version, process/m);
  t.match(result.stdout, /^run\.wait +Wait until a run is finished/m);
  t.notMatch(result.stdout, /^run\.(event|gap)\b/m);
  const json = await rpc('list', '--json');
  const methods = JSON.parse(json.stdout) as { name: string; summary: string }[];
  t.ok(methods.some((method) => method.name === 'service.restart' && method.summary.length > 0));
});

t.test(
  'rpc describe shows params with types, defaults and required marks, errors with codes, an example',
  async (t) => {
    const result = await rpc('describe', 'run.wait');
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /^run\.wait\n {2}Wait until/);
    t.match(result.stdout, /^ {2}runId +required +RunId \(string\)/m);
    t.match(result.stdout, /^ {2}timeoutMs +optional +integer 0\.\.3600000; default 30000/m);
    t.match(result.stdout, /^Result: RunRecord/m);
    t.match(result.stdout, /^ {2}1001 +run_not_found +run \{runId\} not found$/m);
    t.match(result.stdout, /^ {2}runyard rpc run\.wait runId=01JD6W4ZK3Q8V5N2M7XKCB9TRE timeoutMs=5000$/m);
    const json = await rpc('describe', 'run.wait', '--json');
    t.match(JSON.parse(json.stdout), { name: 'run.wait', params: [{ name: 'runId', required: true }] });
    t.equal((await rpc('describe', 'run.gap')).code, 2, 'a notification is not described as callable');
  },
);

t.test('the example call that describe prints runs as printed', async (t) => {
  const described = await rpc('describe', 'run.start');
  const line = /^ {2}runyard rpc (run\.start .*)$/m.exec(described.stdout)![1]!;
  // The words are shell-quoted; this example needs only single quotes undone.
  const args = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2]!);
  const [method, ...params] = args;
  const result = await rpc(method!, ...params, '--json');
  t.equal(result.code, 0, result.stderr);
});
