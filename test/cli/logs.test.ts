// run logs --tail, --stream, --timestamps and -f with them, and `runyard logs NAME`, against a real daemon.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];
const runyard = (...args: string[]) => runCli([...args, ...connection]);

/** Runs `script` with sh to its end and returns its id. */
async function finishedRun(script: string): Promise<string> {
  const { runId } = await client.run.start({ argv: ['sh', '-c', script] });
  await client.run.wait({ runId });
  return runId;
}

/** The output events of a run that hold `text`, once the daemon has them. */
const outputHolding = (runId: string, text: string) =>
  eventually(async () => {
    const { events } = await client.run.events({ runId });
    const output = events.filter((event) => event.type === 'output');
    return output.some((event) => event.text.includes(text)) ? output : undefined;
  });

// The sleeps are the child's own pacing: each line reaches the daemon before the other stream writes.
const ALTERNATING = 'for i in 1 2 3; do echo out$i; sleep 0.2; echo err$i >&2; sleep 0.2; done';

t.test(
  '--stream both merges stdout and stderr in the order the run wrote them, each line marked',
  async (t) => {
    const runId = await finishedRun(ALTERNATING);
    const result = await runyard('run', 'logs', runId, '--stream', 'both');
    t.equal(result.code, 0, result.stderr);
    t.equal(result.stdout, 'out | out1\nerr | err1\nout | out2\nerr | err2\nout | out3\nerr | err3\n');
  },
);

t.test('--tail N prints the last N lines, of stdout or, with --stderr, of stderr', async (t) => {
  const runId = await finishedRun("printf 'a\\nb\\nc\\nd'; printf 'x\\ny\\nz\\n' >&2");
  // As tail(1) does: a single stream is written as the run wrote it, an unfinished last line too.
  t.same(await runyard('run', 'logs', runId, '--tail', '2'), { code: 0, stdout: 'c\nd', stderr: '' });
  t.same(await runyard('run', 'logs', runId, '--tail', '1', '--stderr'), {
    code: 0,
    stdout: 'z\n',
    stderr: '',
  });
  t.same(await runyard('run', 'logs', runId, '--tail', '9', '--stream', 'stderr'), {
    code: 0,
    stdout: 'x\ny\nz\n',
    stderr: '',
  });
  t.equal((await runyard('run', 'logs', runId, '--tail', 'two')).code, 2, '--tail takes a number');
});

t.test('--timestamps puts the time of the output event before each line', async (t) => {
  const runId = await finishedRun('echo one; sleep 0.2; echo two');
  const times = (await outputHolding(runId, 'two')).map((event) => event.time);
  t.equal(times.length, 2);
  const result = await runyard('run', 'logs', runId, '--timestamps');
  t.equal(result.stdout, `${times[0]} one\n${times[1]} two\n`);
});

t.test('--stream accepts only stdout, stderr or both, and --stderr only with stderr', async (t) => {
  const runId = await finishedRun('true');
  const wrong = await runyard('run', 'logs', runId, '--stream', 'all');
  t.equal(wrong.code, 2);
  t.match(wrong.stderr, '--stream must be stdout, stderr or both, got "all"');
  t.equal((await runyard('run', 'logs', runId, '--stderr', '--stream', 'both')).code, 2);
});

t.test(
  '-f --tail 1 --stream both prints the last line so far, then the new lines until the end',
  async (t) => {
    // The run waits for a file the test writes once the follower has shown the history.
    const { runId } = await client.run.start({
      argv: [
        'sh',
        '-c',
        'echo one; echo two; while [ ! -e go ]; do sleep 0.05; done; echo three >&2; exit 4',
      ],
    });
    await outputHolding(runId, 'two');
    const child = spawn(
      process.execPath,
      [CLI, 'run', 'logs', runId, '-f', '--tail', '1', '--stream', 'both', ...connection],
      {
        env: cleanEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const closed = once(child, 'close');
    await eventually(() => (stdout.includes('two') ? true : undefined));
    await writeFile(join(daemon.runsDir, runId, 'go'), '');
    const [code] = (await closed) as [number];
    t.equal(stdout, 'out | two\nerr | three\n');
    t.equal(code, 1, 'the exit code is the outcome of the run');
  },
);

t.test('logs ACTION follows the newest run of the action', async (t) => {
  await client.action.set({ name: 'say', argv: ['sh', '-c', 'echo said $RUNYARD_RUN_ID'] });
  for (let i = 0; i < 2; i++)
    await client.run.wait({ runId: (await client.run.start({ action: 'say' })).runId });
  const [newest] = (await client.run.list({ actionId: 'say' })).runs;
  const result = await runyard('logs', 'say');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, `said ${newest!.runId}\n`);
  t.match(result.stderr, 'succeeded (exit 0)');
});

t.test('logs SERVICE follows the run of each action, each line marked with the action', async (t) => {
  await client.action.set({ name: 'left', argv: ['sh', '-c', 'echo L1; sleep 0.2; echo L2 >&2'] });
  await client.action.set({ name: 'right', argv: ['sh', '-c', 'echo R1; sleep 0.2; echo R2'] });
  await client.service.set({ name: 'pair', actions: [{ action: 'left' }, { action: 'right' }] });
  await client.service.start({ name: 'pair' });
  const result = await runyard('logs', 'pair', '--stream', 'both');
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.split('\n').filter(Boolean).sort(), [
    'left  | err | L2',
    'left  | out | L1',
    'right | out | R1',
    'right | out | R2',
  ]);
  t.match(result.stderr, /^left: succeeded \(exit 0\)$/m);
  t.match(result.stderr, /^right: succeeded \(exit 0\)$/m);
});

t.test('logs NAME says so when NAME is neither a service nor an action', async (t) => {
  const result = await runyard('logs', 'nobody');
  t.equal(result.code, 1);
  t.equal(
    result.stderr,
    'runyard: "nobody" is neither a service nor an action (see runyard service list, runyard action list)\n',
  );
});

t.test('logs ACTION says so when the action has never run', async (t) => {
  await client.action.set({ name: 'unrun', argv: ['true'] });
  const result = await runyard('logs', 'unrun');
  t.equal(result.code, 1);
  t.match(result.stderr, 'action unrun has no runs yet');
});
