// retained.list and retained.latest in a cluster: any node lists the finished runs of every node, in one
// order and one paging, from its own index and the summaries in PostgreSQL; also while a node is dead.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { RetainedListParams, RetainedRun, RunyardClient } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, skipWithoutPostgres } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

type ListFilters = Omit<Partial<RetainedListParams>, 'cursor'>;

/** Every page of a listing, each from the cursor of the one before. */
async function allPages(client: RunyardClient, params: ListFilters): Promise<RetainedRun[]> {
  const runs: RetainedRun[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.retained.list({ ...params, ...(cursor ? { cursor } : {}) });
    runs.push(...page.runs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return runs;
}

const ids = (runs: readonly { runId: string }[]) => runs.map((run) => run.runId);

/**
 * Two nodes on one schema, and six runs finished on them in turn (a, b, a, b, ...), each started once
 * the one before has ended, so that they finish in the order they were started. The even ones (0, 2, 4)
 * are labelled smoke. Newest first is the reverse.
 */
async function sixRunsOnTwoNodes(t: Test) {
  const { url } = freshSchema(t);
  const a = await startDaemon(t, { args: ['--store', url] });
  const b = await startDaemon(t, { args: ['--store', url] });
  const [clientA, clientB] = [await a.client(), await b.client()];
  const finished: string[] = [];
  for (let i = 0; i < 6; i++) {
    const client = i % 2 === 0 ? clientA : clientB;
    const suite = i % 2 === 0 ? 'smoke' : 'full';
    const run = await client.run.start({ argv: ['sh', '-c', `exit ${i === 3 ? 1 : 0}`], labels: { suite } });
    await client.run.wait({ runId: run.runId });
    finished.push(run.runId);
  }
  return { a, b, clientA, clientB, newestFirst: [...finished].reverse(), finished };
}

t.test(
  'retained.list on either node lists the finished runs of both, newest first, page after page',
  { skip },
  async (t) => {
    const { clientA, clientB, newestFirst } = await sixRunsOnTwoNodes(t);
    // A node's own runs reach its index as they finish; the other's are in the database by then.
    await eventually(async () => ((await clientA.retained.list({})).runs.length === 6 ? true : undefined));
    await eventually(async () => ((await clientB.retained.list({})).runs.length === 6 ? true : undefined));
    for (const [name, client] of [
      ['a', clientA],
      ['b', clientB],
    ] as const) {
      t.same(ids((await client.retained.list({})).runs), newestFirst, `${name}: one page, in order`);
      t.same(
        ids(await allPages(client, { limit: 2 })),
        newestFirst,
        `${name}: pages of 2, none twice or missed`,
      );
      t.same(ids(await allPages(client, { limit: 4 })), newestFirst, `${name}: pages of 4`);
    }
    t.same(
      (await clientA.retained.list({})).runs,
      (await clientB.retained.list({})).runs,
      "each node lists the other's runs as that node's own index does, field for field",
    );
    const first = await clientA.retained.list({ limit: 3 });
    const rest = await clientB.retained.list({ limit: 3, cursor: first.nextCursor! });
    t.same(ids([...first.runs, ...rest.runs]), newestFirst, "a cursor of a's gives b's next page");
    t.equal(rest.nextCursor, null, 'and that is the last');
    t.same(await clientA.retained.latest({}), (await clientB.retained.list({ limit: 1 })).runs[0], 'latest');
  },
);

t.test('the filters of retained.list and retained.latest hold across nodes', { skip }, async (t) => {
  const { clientA, finished } = await sixRunsOnTwoNodes(t);
  await eventually(async () => ((await clientA.retained.list({})).runs.length === 6 ? true : undefined));
  const smoke = [finished[4]!, finished[2]!, finished[0]!];
  t.same(ids(await allPages(clientA, { labels: { suite: 'smoke' }, limit: 1 })), smoke, 'labels, paged');
  t.same(
    ids((await clientA.retained.list({ labels: { suite: 'full' } })).runs),
    [finished[5]!, finished[3]!, finished[1]!],
    "labels: b's runs only",
  );
  t.same(ids((await clientA.retained.list({ status: ['failed'] })).runs), [finished[3]!], 'status: on b');
  t.equal(
    (await clientA.retained.latest({ status: ['succeeded'], labels: { suite: 'full' } }))?.runId,
    finished[5],
    "latest: b's newest success",
  );
  const all = (await clientA.retained.list({})).runs;
  const at = (runId: string) => all.find((run) => run.runId === runId)!.finishedAt!;
  t.same(
    ids((await clientA.retained.list({ since: at(finished[1]!), until: at(finished[4]!) })).runs),
    [finished[3]!, finished[2]!, finished[1]!],
    'since (inclusive) and until (exclusive)',
  );
});

t.test(
  "a node killed (SIGKILL): retained.list on another node still lists its finished runs, merged with that node's own directories, each run once",
  { skip },
  async (t) => {
    const { a, b, clientA, clientB, newestFirst } = await sixRunsOnTwoNodes(t);
    // A directory another tool dropped into a's runs directory, finished after all six.
    const foreign = join(a.runsDir, 'nightly-2099');
    await mkdir(foreign);
    await writeFile(
      join(foreign, 'retention-summary.json'),
      JSON.stringify({ runId: 'nightly-2099', status: 'succeeded', finishedAt: '2099-01-01T00:00:00.000Z' }),
    );
    // A copy of one of b's run directories, in a directory of another name: listed once, from a's index.
    await cp(join(b.runsDir, newestFirst[0]!), join(a.runsDir, 'copy-of-b'), { recursive: true });
    const listedDir = async () =>
      (await clientA.retained.list({})).runs.find((run) => run.runId === newestFirst[0])?.dir;
    await eventually(async () => ((await listedDir()) === 'copy-of-b' ? true : undefined));
    await clientB.close();
    await b.stop('SIGKILL');

    const expected = ['nightly-2099', ...newestFirst];
    t.same(
      ids(await allPages(clientA, { limit: 3 })),
      expected,
      "b's runs, a's and the foreign one, in order",
    );
    t.equal(
      (await clientA.retained.latest({ labels: { suite: 'full' } }))?.runId,
      newestFirst[0],
      'latest of b',
    );
    const ofB = (await clientA.retained.list({})).runs.find((run) => run.runId === newestFirst[0])!;
    t.match(ofB, { status: 'succeeded', labels: { suite: 'full' }, attempts: 1, exitCode: 0, defaulted: [] });
  },
);
