// Ending a run does not depend on its pipes closing: what a run left outside its process group is found and killed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

// The child leaves the process group with setsid and keeps the run's stdout open: killing the group
// reaches neither it nor the pipe it holds.
const ESCAPE = 'setsid sh -c \'echo $$ > "$RUNYARD_ARTIFACTS_DIR/escaped.pid"; exec sleep 300\' & wait';

for (const how of ['cancel', 'timeout'] as const) {
  t.test(`a ${how} ends a run whose child left its process group, and kills that child`, async (t) => {
    const daemon = await startDaemon(t, { args: ['--kill-grace-ms', '200'] });
    const client = await daemon.client();
    const run = await client.run.start({
      argv: ['sh', '-c', ESCAPE],
      ...(how === 'timeout' ? { timeoutMs: 300 } : {}),
    });
    const pidFile = join(run.runDir, 'artifacts/escaped.pid');
    const escaped = await eventually(
      async () => Number(await readFile(pidFile, 'utf8').catch(() => '')) || undefined,
    );
    const ended =
      how === 'cancel'
        ? await client.run.cancel({ runId: run.runId })
        : await client.run.wait({ runId: run.runId, timeoutMs: 20_000 });
    t.equal(ended.status, how === 'cancel' ? 'cancelled' : 'timed_out');
    t.match(
      ended.error?.message,
      /killed 1 process outside its process group/,
      'the record says what was left behind',
    );
    t.ok(await eventually(() => processGone(escaped) || undefined), 'the escaped child is gone');
    t.match(daemon.log(), /killed processes a run left outside its process group/);
  });
}
