// A daemon on PostgreSQL that loses its database while it runs: calls that need the database fail at once
// with store_unavailable, calls that do not still answer, the loss and the return are logged once each,
// and the daemon takes writes again when the database is back. The database is cut off for real, by a
// TCP proxy in front of it.
import t from 'tap';
import type { RunyardClient } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { databaseProxy } from '../helpers/database-proxy.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, skipWithoutPostgres } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

const occurrences = (log: string, message: string) =>
  log.split('\n').filter((line) => line.includes(`"message":"${message}"`)).length;

/** run.start's outcome: the run id, or the error's reason. */
const tryStart = (client: RunyardClient) =>
  client.run.start({ argv: ['true'] }).then(
    ({ runId }) => ({ runId }),
    (error: { reason?: string; code?: number; message: string }) => ({ refused: error }),
  );

t.test(
  'writes fail fast with store_unavailable while the database is away, and work again after',
  { skip },
  async (t) => {
    const proxy = await databaseProxy(t);
    const { schema } = freshSchema(t);
    const daemon = await startDaemon(t, {
      args: ['--store', `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${schema}`],
    });
    const client = await daemon.client();
    // A run that prints and waits, started while the database answers: its logs are this node's files.
    const { runId } = await client.run.start({ argv: ['sh', '-c', 'echo before; sleep 600'] });
    await eventually(async () =>
      (await client.run.logs({ runId })).text.includes('before') ? true : undefined,
    );

    proxy.down();
    const refusals = [];
    for (let i = 0; i < 5; i++) refusals.push(await tryStart(client));
    for (const outcome of refusals)
      t.match(outcome, {
        refused: {
          code: 1905,
          reason: 'store_unavailable',
          data: { store: `PostgreSQL at 127.0.0.1:${proxy.port}` },
        },
      });
    t.match((refusals[0] as { refused: { message: string } }).refused.message, /does not answer/);
    t.match((await client.run.logs({ runId })).text, 'before', "the logs of this node's run still answer");
    t.equal(occurrences(daemon.log(), 'database lost'), 1, 'the loss is logged once, not per call');

    proxy.up();
    const started = await eventually(async () => {
      const outcome = await tryStart(client);
      return 'runId' in outcome ? outcome : undefined;
    });
    t.equal(
      (await client.run.wait({ runId: started.runId })).status,
      'succeeded',
      'a run started after the return runs',
    );
    t.equal(occurrences(daemon.log(), 'database back'), 1, 'the return is logged once');
    t.equal(occurrences(daemon.log(), 'database lost'), 1, 'and the loss still once');
    await client.run.cancel({ runId });
  },
);
