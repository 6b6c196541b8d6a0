// Waiting for claims of runs in the shared queue: however many waits a node holds, each look at the
// database is one query about all of them, and a claim, a deletion or an abort ends each wait.
import t from 'tap';
import { ClaimWatch } from '../../src/daemon/claim-watch.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import { freshSchema, silentLog, skipWithoutPostgres } from '../helpers/postgres.js';
import { waitingRun } from '../helpers/stored-run.js';

const skip = await skipWithoutPostgres();

t.test(
  'one query for all the waits, each ended by its claim, its deletion or its abort',
  { skip },
  async (t) => {
    const { url } = freshSchema(t);
    const [a, b] = await Promise.all(
      ['a', 'b'].map((nodeId) => PostgresStore.open(parsePostgresUrl(url), nodeId, silentLog)),
    );
    t.teardown(() => Promise.all([a!.close(), b!.close()]));
    const runs = Array.from({ length: 50 }, () => waitingRun());
    for (const run of runs) await a!.queue.enqueue(run, 100);
    const asked: number[] = [];
    const watch = new ClaimWatch(async (runIds) => {
      asked.push(runIds.length);
      return a!.queue.waiting(runIds);
    }, silentLog);

    const order: string[] = [];
    const aborted = new AbortController();
    const ids = runs.map((run) => run.record.runId);
    const waits = ids.map((runId, i) =>
      watch
        .whenClaimed(runId, i === 0 ? aborted.signal : new AbortController().signal)
        .then(() => order.push(runId)),
    );
    aborted.abort();
    await waits[0];
    t.same(order, [ids[0]], 'an aborted wait ends at once');

    // Claimed and made: its directory recorded, as a claimer records it.
    const claimAndMake = async (count: number) => {
      for (const run of await b!.queue.claim(count))
        await b!.runs.update({ ...run, record: { ...run.record, runDir: `/runs/${run.record.runId}` } });
    };
    await claimAndMake(30); // the 30 oldest, the first among them
    await b!.runs.delete([ids[49]!]);
    await Promise.all(waits.slice(1, 30));
    t.ok(asked.length > 0 && asked[0] === 49, 'the first look asked about all 49 waits in one query');
    await waits[49];
    t.pass('a run gone from the index ends its wait');
    t.equal(order.length, 31, 'the others still wait');
    await claimAndMake(19);
    await Promise.all(waits);
    t.equal(order.length, 50, 'until claimed');
    t.ok(
      asked.every((count) => count <= 49),
      'never a query per wait',
    );
  },
);
