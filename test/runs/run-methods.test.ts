// run.* through the SDK against a real daemon: start, status, list, cancel, wait, logs and their errors.
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { RpcError, type RunyardClient } from 'runyard/client';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { tempDir } from '../helpers/fs.js';

async function rejection(promise: Promise<unknown>): Promise<RpcError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof RpcError)) throw outcome;
  return outcome;
}

t.test('run.* methods', async (t) => {
  const daemon = await startDaemon(t, { args: ['--kill-grace-ms', '300'] });
  const client: RunyardClient = await daemon.client();

  t.test('run.start answers at once with a queued or running record', async (t) => {
    const run = await client.run.start({ argv: ['sleep', '30'] });
    t.match(run.runId, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    t.ok(['queued', 'running'].includes(run.status));
    await client.run.cancel({ runId: run.runId });
  });

  t.test('run ids sort by creation time', async (t) => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.run.start({ argv: ['true'] })).runId);
    t.same([...ids].sort(), ids);
  });

  t.test('cancel kills the whole process group, grandchildren included', async (t) => {
    const run = await client.run.start({
      argv: ['sh', '-c', 'sleep 300 & echo $! > "$RUNYARD_ARTIFACTS_DIR/grandchild.pid"; wait'],
    });
    const pidFile = join(run.runDir, 'artifacts/grandchild.pid');
    const grandchild = await eventually(
      async () => Number(await readFile(pidFile, 'utf8').catch(() => '')) || undefined,
    );
    const cancelled = await client.run.cancel({ runId: run.runId });
    t.match(cancelled, { status: 'cancelled', signal: 'SIGTERM', error: { reason: 'cancelled' } });
    t.ok(await eventually(() => processGone(grandchild) || undefined), 'the grandchild is gone');
  });

  t.test('a timeout ends the run timed_out with the signal recorded', async (t) => {
    const run = await client.run.start({ argv: ['sleep', '30'], timeoutMs: 200 });
    const done = await client.run.wait({ runId: run.runId });
    t.match(done, { status: 'timed_out', signal: 'SIGTERM', exitCode: null, error: { reason: 'timeout' } });
  });

  t.test('a process that ignores SIGTERM is killed with SIGKILL after the grace period', async (t) => {
    const run = await client.run.start({
      argv: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.05; done'],
      timeoutMs: 300,
    });
    const done = await client.run.wait({ runId: run.runId });
    t.match(done, { status: 'timed_out', signal: 'SIGKILL' });
  });

  t.test('cancelling a finished run returns it unchanged', async (t) => {
    const run = await client.run.start({ argv: ['true'] });
    const done = await client.run.wait({ runId: run.runId });
    t.same(await client.run.cancel({ runId: run.runId }), done);
  });

  t.test('run.wait returns the active record when its timeout passes first', async (t) => {
    const run = await client.run.start({ argv: ['sleep', '30'] });
    const waited = await client.run.wait({ runId: run.runId, timeoutMs: 50 });
    t.equal(waited.status, 'running');
    await client.run.cancel({ runId: run.runId });
  });

  t.test('unknown run ids answer run_not_found on every method that takes one', async (t) => {
    const runId = '01JD6W4ZK3Q8V5N2M7XKCB9TRE';
    for (const call of [
      client.run.status({ runId }),
      client.run.cancel({ runId }),
      client.run.wait({ runId }),
      client.run.logs({ runId }),
    ]) {
      const error = await rejection(call);
      t.match(error, { code: 1001, reason: 'run_not_found', data: { runId } });
    }
  });

  t.test('a malformed run id is refused by the schema', async (t) => {
    for (const runId of ['../etc', '', 'x'.repeat(26), '01jd6w4zk3q8v5n2m7xkcb9tre']) {
      t.match(await rejection(client.run.status({ runId })), { code: -32602, reason: 'invalid_params' });
    }
  });

  t.test('the same idempotencyKey returns the first run, even when sent concurrently', async (t) => {
    const params = { argv: ['true'], idempotencyKey: `key-${Date.now()}` };
    const [a, b] = await Promise.all([client.run.start(params), client.run.start(params)]);
    t.equal(a.runId, b.runId);
    await client.run.wait({ runId: a.runId });
    const again = await client.run.start(params);
    t.equal(again.runId, a.runId);
    t.equal(again.status, 'succeeded');
  });

  t.test('a command that cannot be executed is refused before any directory is made', async (t) => {
    const before = await readdir(daemon.runsDir);
    t.match(await rejection(client.run.start({ argv: ['no-such-command-xyz'] })), {
      code: 1002,
      reason: 'command_not_found',
    });
    const notExecutable = join(daemon.home, 'plain.txt');
    await writeFile(notExecutable, 'echo hi');
    t.match(await rejection(client.run.start({ argv: [notExecutable] })), { code: 1002 });
    t.match(
      await rejection(client.run.start({ argv: [daemon.home] })),
      { code: 1002 },
      'a directory is no command',
    );
    t.same(await readdir(daemon.runsDir), before, 'no run directory is left behind');
  });

  t.test('cwd must exist; relative cwd resolves against the run directory', async (t) => {
    t.match(await rejection(client.run.start({ argv: ['true'], cwd: '/no/such/dir' })), {
      code: 1003,
      reason: 'cwd_not_found',
    });
    const run = await client.run.start({ argv: ['sh', '-c', 'pwd > ../artifacts/pwd.txt'], cwd: 'reports' });
    const done = await client.run.wait({ runId: run.runId });
    t.equal(done.cwd, join(done.runDir, 'reports'));
    t.equal(await readFile(join(done.runDir, 'artifacts/pwd.txt'), 'utf8'), `${done.cwd}\n`);
  });

  t.test('outputDir places the run directory inside the runs directory', async (t) => {
    const run = await client.run.start({ argv: ['true'], outputDir: 'nightly/build-1' });
    t.equal(run.runDir, join(daemon.runsDir, 'nightly/build-1'));
    await client.run.wait({ runId: run.runId });
    await readFile(join(run.runDir, 'retention-summary.json'));
  });

  t.test('outputDir may not leave the runs directory, by any route', async (t) => {
    const outside = await tempDir(t, 'outside');
    await symlink(outside, join(daemon.runsDir, 'escape'));
    for (const outputDir of ['../elsewhere', '/tmp/elsewhere', '.', 'a/../../x', 'escape/sub', 'escape']) {
      const error = await rejection(client.run.start({ argv: ['true'], outputDir }));
      t.match(
        error,
        { code: 1101, reason: 'path_outside_runs_dir', data: { field: 'outputDir' } },
        outputDir,
      );
      t.notMatch(error.message, outside, 'the message never names the resolved outside path');
    }
    t.same(await readdir(outside), [], 'nothing was written outside');
  });

  t.test('a non-empty outputDir is refused unless overwrite is set', async (t) => {
    const dir = join(daemon.runsDir, 'reused');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'old.txt'), 'old');
    t.match(await rejection(client.run.start({ argv: ['true'], outputDir: 'reused' })), {
      code: 1102,
      reason: 'output_dir_not_empty',
    });
    t.equal(await readFile(join(dir, 'old.txt'), 'utf8'), 'old', 'the refused start touched nothing');
    const run = await client.run.start({ argv: ['true'], outputDir: 'reused', overwrite: true });
    await client.run.wait({ runId: run.runId });
    t.notOk((await readdir(dir)).includes('old.txt'), 'overwrite cleared the old contents');
  });

  t.test('a refused start leaves an existing outputDir exactly as it was', async (t) => {
    const dir = join(daemon.runsDir, 'precious');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'keep.txt'), 'keep');
    for (const params of [
      { argv: ['no-such-command-xyz'], outputDir: 'precious', overwrite: true },
      { argv: ['true'], outputDir: 'precious', overwrite: true, cwd: 'no-such-subdir' },
    ]) {
      t.ok(await rejection(client.run.start(params)));
      t.same(await readdir(dir), ['keep.txt'], 'overwrite only happens once the start is accepted');
    }
    const empty = join(daemon.runsDir, 'empty');
    await mkdir(empty);
    t.ok(await rejection(client.run.start({ argv: ['no-such-command-xyz'], outputDir: 'empty' })));
    t.same(await readdir(empty), [], 'an empty directory stays empty, so it can be used next time');
    const run = await client.run.start({ argv: ['true'], outputDir: 'empty' });
    t.equal((await client.run.wait({ runId: run.runId })).status, 'succeeded');
  });

  t.test('the directory of an active run cannot be taken, even with overwrite', async (t) => {
    const run = await client.run.start({ argv: ['sleep', '30'], outputDir: 'busy' });
    for (const outputDir of ['busy', 'busy/inner']) {
      t.match(await rejection(client.run.start({ argv: ['true'], outputDir, overwrite: true })), {
        code: 1103,
        reason: 'output_dir_busy',
        data: { runId: run.runId },
      });
    }
    await client.run.cancel({ runId: run.runId });
  });

  t.test(
    'a run directory that cannot be created answers run_dir_failed and the daemon keeps serving',
    async (t) => {
      await writeFile(join(daemon.runsDir, 'a-file'), 'not a directory');
      t.match(await rejection(client.run.start({ argv: ['true'], outputDir: 'a-file/sub' })), {
        code: 1004,
        reason: 'run_dir_failed',
      });
      t.equal((await client.daemon.info()).pid, daemon.child.pid);
    },
  );

  t.test('run.logs reads byte ranges and never splits a UTF-8 character', async (t) => {
    const run = await client.run.start({ argv: ['sh', '-c', 'printf "aé€b"; printf "oops" >&2'] });
    await client.run.wait({ runId: run.runId });
    const whole = await client.run.logs({ runId: run.runId });
    t.same(whole, { text: 'aé€b', offset: 0, nextOffset: 7, size: 7, eof: true });
    const first = await client.run.logs({ runId: run.runId, limit: 2 });
    t.same(
      first,
      { text: 'a', offset: 0, nextOffset: 1, size: 7, eof: false },
      'é would be split, so it waits',
    );
    const second = await client.run.logs({ runId: run.runId, offset: 1, limit: 4 });
    t.equal(second.text, 'é');
    t.equal(second.nextOffset, 3);
    t.match(await client.run.logs({ runId: run.runId, stream: 'stderr' }), { text: 'oops', eof: true });
    t.match(await client.run.logs({ runId: run.runId, offset: 100 }), {
      text: '',
      nextOffset: 100,
      eof: true,
    });
  });

  t.test('run.logs of a running run is never eof', async (t) => {
    const run = await client.run.start({ argv: ['sh', '-c', 'echo started; sleep 30'] });
    const logs = await eventually(async () => {
      const slice = await client.run.logs({ runId: run.runId });
      return slice.size > 0 ? slice : undefined;
    });
    t.same(logs, { text: 'started\n', offset: 0, nextOffset: 8, size: 8, eof: false });
    await client.run.cancel({ runId: run.runId });
  });
});

t.test('run.list filters by status and labels, newest first, one page at a time', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const run = await client.run.start({
      argv: ['sh', '-c', `exit ${i % 2}`],
      labels: { batch: 'b', parity: `${i % 2}` },
    });
    ids.push(run.runId);
    await client.run.wait({ runId: run.runId });
  }
  await client.run
    .start({ argv: ['true'], labels: { batch: 'other' } })
    .then((run) => client.run.wait({ runId: run.runId }));

  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await client.run.list({ labels: { batch: 'b' }, limit: 2, ...(cursor ? { cursor } : {}) });
    pages.push(page.runs.map((run) => run.runId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  t.same(pages, [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);

  const failed = await client.run.list({ status: ['failed'], labels: { batch: 'b' } });
  t.same(
    failed.runs.map((run) => run.runId),
    [ids[3], ids[1]],
  );
  t.equal(failed.nextCursor, null);
  const none = await client.run.list({ status: ['queued'] });
  t.same(none, { runs: [], nextCursor: null });
});

t.test('with --max-concurrent 1, a queued run can be cancelled and never starts', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-concurrent', '1'] });
  const client = await daemon.client();
  const blocker = await client.run.start({ argv: ['sleep', '30'] });
  const queued = await client.run.start({ argv: ['sh', '-c', 'echo ran > ran.txt'] });
  t.equal(queued.status, 'queued');
  const cancelled = await client.run.cancel({ runId: queued.runId });
  t.match(cancelled, { status: 'cancelled', startedAt: null, attempt: 0 });
  await client.run.cancel({ runId: blocker.runId });
  const summary = JSON.parse(await readFile(join(queued.runDir, 'retention-summary.json'), 'utf8'));
  t.match(summary, { status: 'cancelled', attempts: 0 });
  t.notOk((await readdir(queued.runDir)).includes('ran.txt'), 'the cancelled run never executed');
});
