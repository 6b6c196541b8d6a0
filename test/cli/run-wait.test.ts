// `run wait` waits for the end, however long, and tells by its exit code how the run ended.
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];
const wait = (...args: string[]) => runCli(['run', 'wait', ...connection, ...args]);

t.test('wait without --timeout-ms outlasts the daemon default of 30 s and exits 0 at the end', async (t) => {
  // 32 s: longer than one run.wait call's default hold, the limit the old `run wait` gave up at.
  const { runId } = await client.run.start({ argv: ['sleep', '32'] });
  t.teardown(() => client.run.cancel({ runId }));
  const started = Date.now();
  const result = await wait(runId);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'succeeded (exit 0)\n');
  t.ok(Date.now() - started >= 31_000, 'it waited for the run');
});

t.test(
  'wait --timeout-ms past the deadline prints the status, exits 4, and says still_active with --json',
  async (t) => {
    const { runId } = await client.run.start({ argv: ['sleep', '30'] });
    t.teardown(() => client.run.cancel({ runId }));
    const result = await wait(runId, '--timeout-ms', '200', '--json');
    t.equal(result.code, 4);
    t.match(JSON.parse(result.stdout), { runId, status: 'running', finishedAt: null });
    t.same(JSON.parse(result.stderr), {
      error: {
        code: null,
        reason: 'still_active',
        message: `run ${runId} is still running after waiting 200 ms`,
        data: { runId, status: 'running' },
      },
    });
  },
);

t.test('wait exits with the outcome of the run: 124 timed out, 130 cancelled', async (t) => {
  const timedOut = await client.run.start({ argv: ['sleep', '30'], timeoutMs: 100 });
  const timedOutResult = await wait(timedOut.runId);
  t.equal(timedOutResult.code, 124, timedOutResult.stderr);
  t.match(timedOutResult.stdout, /^timed_out/);

  const cancelled = await client.run.start({ argv: ['sleep', '30'] });
  const waiting = wait(cancelled.runId);
  await client.run.cancel({ runId: cancelled.runId });
  const cancelledResult = await waiting;
  t.equal(cancelledResult.code, 130, cancelledResult.stderr);
  t.match(cancelledResult.stdout, /^cancelled/);
});

t.test('wait --timeout-ms 0 looks once and returns', async (t) => {
  const { runId } = await client.run.start({ argv: ['true'] });
  await client.run.wait({ runId, timeoutMs: 10_000 });
  const result = await wait(runId, '--timeout-ms', '0');
  t.equal(result.code, 0, result.stderr);
});
