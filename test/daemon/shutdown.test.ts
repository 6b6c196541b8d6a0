// Stopping the daemon: running runs are cancelled and recorded, connections close, daemon.json goes.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { connect, ConnectError } from 'runyard/client';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal} cancels running runs, records them and removes daemon.json`, async (t) => {
    const daemon = await startDaemon(t);
    const client = await connect({ url: daemon.url, token: daemon.token, reconnect: { giveUpAfterMs: 0 } });
    t.teardown(() => client.close());
    const run = await client.run.start({
      argv: ['sh', '-c', 'sleep 300 & echo $! > "$RUNYARD_ARTIFACTS_DIR/child.pid"; wait'],
    });
    const pid = await eventually(
      async () =>
        Number(await readFile(join(run.runDir, 'artifacts/child.pid'), 'utf8').catch(() => '')) || undefined,
    );
    t.equal(await daemon.stop(signal), 0, 'the daemon exits 0');
    const summary = JSON.parse(await readFile(join(run.runDir, 'retention-summary.json'), 'utf8'));
    t.match(summary, { status: 'cancelled', error: { reason: 'daemon_shutdown' } });
    const runJson = JSON.parse(await readFile(join(run.runDir, 'run.json'), 'utf8'));
    t.equal(runJson.status, 'cancelled');
    await t.rejects(access(join(daemon.stateDir, 'daemon.json')), 'daemon.json is removed');
    const after = await client.daemon.info().catch((error: unknown) => error);
    t.ok(after instanceof ConnectError, 'a call after the daemon stopped fails to connect');
    t.ok(await eventually(() => processGone(pid) || undefined), 'the run’s child process is gone');
  });
}

t.test('a second daemon on a live daemon’s state directory refuses to start', async (t) => {
  const first = await startDaemon(t);
  const second = await startDaemon(t, { home: first.home }).catch((error: Error) => error);
  t.ok(second instanceof Error);
  t.match((second as Error).message, /another runyard daemon/);
  const client = await first.client();
  t.equal((await client.daemon.info()).pid, first.child.pid, 'the first keeps serving');
});

t.test('a stale daemon.json from a killed daemon does not block the next start', async (t) => {
  const first = await startDaemon(t);
  await first.stop('SIGKILL');
  const second = await startDaemon(t, { home: first.home });
  const client = await second.client();
  t.equal((await client.daemon.info()).pid, second.child.pid);
});
