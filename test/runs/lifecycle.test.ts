// Every lifecycle transition with real processes: priority order, retries with backoff, fd 3 progress, limits.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { RpcError, type RunRecord } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { readJson } from '../helpers/fs.js';

const eventsOf = async (run: RunRecord) =>
  (await readFile(join(run.runDir, 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

t.test('with --max-concurrent 1, queued runs start by priority, then in arrival order', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-concurrent', '1'] });
  const client = await daemon.client();
  const order = join(daemon.home, 'order.txt');
  const blocker = await client.run.start({ argv: ['sleep', '30'] });
  const started: { name: string; runId: string }[] = [];
  for (const [name, priority] of [
    ['low', -5],
    ['first-normal', 0],
    ['high', 10],
    ['second-normal', 0],
    ['urgent', 100],
  ] as const) {
    const run = await client.run.start({ argv: ['sh', '-c', `echo ${name} >> ${order}`], priority });
    t.equal(run.status, 'queued');
    started.push({ name, runId: run.runId });
  }
  const positions = await Promise.all(started.map(({ runId }) => client.run.status({ runId })));
  t.same(
    positions.map((run) => run.queuePosition),
    [5, 3, 2, 4, 1],
    'queuePosition says who starts next',
  );
  await client.run.cancel({ runId: blocker.runId });
  for (const { runId } of started) await client.run.wait({ runId });
  t.equal(await readFile(order, 'utf8'), 'urgent\nhigh\nfirst-normal\nsecond-normal\nlow\n');
  const done = await client.run.status({ runId: started[0]!.runId });
  t.equal(done.queuePosition, null, 'a finished run has no queue position');
});

t.test('--max-queued refuses further starts with queue_full', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-concurrent', '1', '--max-queued', '2'] });
  const client = await daemon.client();
  const runs = [await client.run.start({ argv: ['sleep', '30'] })];
  runs.push(await client.run.start({ argv: ['true'] }), await client.run.start({ argv: ['true'] }));
  const refused = await client.run.start({ argv: ['true'] }).catch((error: unknown) => error);
  t.ok(refused instanceof RpcError);
  t.match(refused, { code: 1902, reason: 'queue_full', data: { limit: 2 } });
  for (const run of runs) await client.run.cancel({ runId: run.runId });
});

t.test('a failing run is retried with exponential backoff until maxAttempts', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const started = await client.run.start({
    argv: ['sh', '-c', 'echo "attempt $RUNYARD_ATTEMPT"; exit 7'],
    retry: { maxAttempts: 3, initialDelayMs: 50, factor: 3, maxDelayMs: 100, jitter: 'none' },
  });
  t.equal(started.maxAttempts, 3);
  const run = await client.run.wait({ runId: started.runId });
  t.match(run, {
    status: 'failed',
    attempt: 3,
    exitCode: 7,
    nextAttemptAt: null,
    error: { reason: 'exit_code' },
  });
  t.equal(
    await readFile(join(run.runDir, 'logs/stdout.log'), 'utf8'),
    'attempt 1\nattempt 2\nattempt 3\n',
    'logs of every attempt are kept',
  );

  const { attempts } = await readJson(join(run.runDir, 'run.json'));
  t.same(
    attempts.map((a: { outcome: string }) => a.outcome),
    ['failed', 'failed', 'failed'],
  );
  const events = await eventsOf(run);
  const retrying = events.filter((event) => event.status === 'retrying');
  t.equal(retrying.length, 2);
  // The delay is recorded, not guessed: nextAttemptAt = end of the attempt + 50 ms, then + min(150, 100) ms.
  const ends = events.filter((event) => event.type === 'attempt' && event.phase === 'end');
  const delays = retrying.map((event, i) => Date.parse(event.nextAttemptAt) - Date.parse(ends[i].time));
  t.ok(delays[0] >= 49 && delays[0] <= 51, `first delay ${delays[0]} is the initial delay`);
  t.ok(delays[1] >= 99 && delays[1] <= 101, `second delay ${delays[1]} is capped by maxDelayMs`);
  const starts = events.filter((event) => event.type === 'attempt' && event.phase === 'start');
  t.ok(
    Date.parse(starts[1].time) >= Date.parse(retrying[0].nextAttemptAt),
    'the next attempt waits for its time',
  );
  t.same(
    starts.map((event) => event.stdoutOffset),
    [0, 10, 20],
    'attempt boundaries mark where each attempt’s output begins',
  );
  t.equal((await readJson(join(run.runDir, 'retention-summary.json'))).attempts, 3);
});

t.test('a run that succeeds on a later attempt ends succeeded', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const started = await client.run.start({
    argv: ['sh', '-c', 'test "$RUNYARD_ATTEMPT" -ge 2'],
    retry: { maxAttempts: 5, initialDelayMs: 10, jitter: 'none' },
  });
  const run = await client.run.wait({ runId: started.runId });
  t.match(run, { status: 'succeeded', attempt: 2, error: null, exitCode: 0 });
});

t.test('timeouts are retried when retry.on includes timed_out, and not otherwise', async (t) => {
  const daemon = await startDaemon(t, { args: ['--kill-grace-ms', '200'] });
  const client = await daemon.client();
  const retried = await client.run.start({
    argv: ['sleep', '30'],
    timeoutMs: 100,
    retry: { maxAttempts: 2, initialDelayMs: 10, on: ['timed_out'] },
  });
  t.match(await client.run.wait({ runId: retried.runId }), { status: 'timed_out', attempt: 2 });
  const notRetried = await client.run.start({
    argv: ['sleep', '30'],
    timeoutMs: 100,
    retry: { maxAttempts: 2, initialDelayMs: 10, on: ['failed'] },
  });
  t.match(await client.run.wait({ runId: notRetried.runId }), { status: 'timed_out', attempt: 1 });
});

t.test('cancelling a retrying run drops the pending retry', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const started = await client.run.start({
    argv: ['false'],
    retry: { maxAttempts: 3, initialDelayMs: 60_000, jitter: 'none' },
  });
  const retrying = await eventually(async () => {
    const run = await client.run.status({ runId: started.runId });
    return run.status === 'retrying' ? run : undefined;
  });
  t.ok(retrying.nextAttemptAt, 'a retrying run says when it tries again');
  const cancelled = await client.run.cancel({ runId: started.runId });
  t.match(cancelled, {
    status: 'cancelled',
    attempt: 1,
    nextAttemptAt: null,
    error: { reason: 'cancelled' },
  });
  const { attempts } = await readJson(join(cancelled.runDir, 'run.json'));
  t.equal(attempts.length, 1, 'no second attempt ever started');
});

t.test('a cancelled run is never retried', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const run = await client.run.start({
    argv: ['sleep', '30'],
    retry: { maxAttempts: 3, initialDelayMs: 10 },
  });
  const cancelled = await client.run.cancel({ runId: run.runId });
  t.match(cancelled, { status: 'cancelled', attempt: 1 });
});

t.test('progress written to fd 3 becomes events and the latest is on the record', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const script = [
    `echo '{"progress": 0.25, "message": "parsing"}' >&3`,
    `echo 'not json' >&3`,
    `echo '{"message": "halfway"}' >&3`,
    `echo '[1, 2]' >&3`,
    `echo '{"progress": 0.5}' >&3`,
    'exec 3>&-',
    'sleep 30',
  ].join('\n');
  const run = await client.run.start({ argv: ['sh', '-c', script] });
  const running = await eventually(async () => {
    const record = await client.run.status({ runId: run.runId });
    return record.progress?.progress === 0.5 ? record : undefined;
  });
  t.match(running.progress, { progress: 0.5, message: null });
  await client.run.cancel({ runId: run.runId });
  const events = await eventsOf(run);
  t.same(
    events
      .filter((event) => event.type === 'progress')
      .map(({ progress, message }) => ({ progress, message })),
    [
      { progress: 0.25, message: 'parsing' },
      { progress: null, message: 'halfway' },
      { progress: 0.5, message: null },
    ],
  );
  const notes = events.filter((event) => event.type === 'note');
  t.equal(notes.length, 1, 'garbage on fd 3 is noted once');
  t.match(notes[0].message, /not json/);
});

t.test('a run that never touches fd 3 is unaffected by it', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const run = await client.run.start({ argv: ['sh', '-c', 'echo plain'] });
  const done = await client.run.wait({ runId: run.runId });
  t.match(done, { status: 'succeeded', progress: null });
  t.notOk((await eventsOf(run)).some((event) => event.type === 'note' || event.type === 'progress'));
});

t.test('absurd numbers are refused by the schema with a clear message', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const cases: [string, object][] = [
    ['/timeoutMs', { timeoutMs: -1 }],
    ['/timeoutMs', { timeoutMs: 2 ** 31 }],
    ['/priority', { priority: 1e9 }],
    ['/retry/maxAttempts', { retry: { maxAttempts: 0 } }],
    ['/retry/maxAttempts', { retry: { maxAttempts: 1_000 } }],
    ['/retry/initialDelayMs', { retry: { initialDelayMs: -5 } }],
    ['/retry/factor', { retry: { factor: 0.5 } }],
    ['/retry/on/0', { retry: { on: ['cancelled'] } }],
    ['/killGraceMs', { killGraceMs: 1.5 }],
  ];
  for (const [path, extra] of cases) {
    const error = await client.run.start({ argv: ['true'], ...extra }).catch((e: unknown) => e);
    t.match(error, { code: -32602, data: { errors: [{ path }] } }, JSON.stringify(extra));
  }
  const status = await client.run.list({ status: ['nope' as 'queued'] }).catch((e: unknown) => e);
  t.match(
    (status as RpcError).message,
    /must be one of "queued", "running"/,
    'an enum names the allowed values',
  );
});
