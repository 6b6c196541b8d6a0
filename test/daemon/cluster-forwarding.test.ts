// One cluster, one token, and any node answering for every run: nodes on one PostgreSQL schema agree on
// the token kept there, and a client of one node follows, reads, waits for and cancels a run of another,
// whose calls that node forwards to the run's own node; an owner that is gone is node_unavailable.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connect, NodeUnavailableError, type FollowedEvent } from 'runyard/client';
import { nodeIdOf } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

/** Two nodes on a fresh schema, and a client of the first. */
async function twoNodes(t: Test) {
  const { schema, url } = freshSchema(t);
  const a = await startDaemon(t, { args: ['--store', url] });
  const b = await startDaemon(t, { args: ['--store', url] });
  return { schema, url, a, b, clientA: await a.client(), clientB: await b.client(), idB: await nodeIdOf(b) };
}

async function collect(events: AsyncIterable<FollowedEvent>, count = Infinity): Promise<FollowedEvent[]> {
  const seen: FollowedEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    if (seen.length >= count) break;
  }
  return seen;
}

/** A run's events as its own node's events.jsonl holds them. */
const eventsOnDisk = async (runDir: string) =>
  (await readFile(join(runDir, 'events.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { seq: number; type: string });

// Lines over time, a byte that is no UTF-8, a report and a binary artifact.
const SLOW_SCRIPT =
  'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.2; done; printf "\\377 raw\\n"; ' +
  'echo "# ok" > "$RUNYARD_REPORTS_DIR/summary.md"; printf "\\000\\001\\002\\377" > "$RUNYARD_ARTIFACTS_DIR/bin.dat"';

t.test(
  "the nodes of one schema share the cluster's token; a state directory holding another refuses to start",
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const start = () => startDaemon(t, { args: ['--store', url] });
    const [a, b, c] = await Promise.all([start(), start(), start()]);
    t.equal(b.token, a.token, 'nodes started together wrote one token to their state directories');
    t.equal(c.token, a.token, 'all three');
    t.same(
      await sql(`SELECT token FROM ${schema}.cluster`),
      [{ token: a.token }],
      'the one kept in the schema',
    );
    const viaB = await connect({ url: b.url, token: a.token });
    t.teardown(() => viaB.close());
    t.equal((await viaB.daemon.info()).nodes.length, 3, "a client with a's token file is let in by b");

    const home = await tempDir(t, 'foreign-token');
    await mkdir(join(home, 'state'), { recursive: true });
    const foreign = 'f'.repeat(64);
    await writeFile(join(home, 'state', 'token'), `${foreign}\n`, { mode: 0o600 });
    const result = await runCli([
      'serve',
      '--json',
      '--listen',
      '127.0.0.1:0',
      '--store',
      url,
      '--state-dir',
      join(home, 'state'),
      '--runs-dir',
      join(home, 'runs'),
    ]);
    t.equal(result.code, 1, 'exit 1');
    const failure = JSON.parse(result.stderr.trim().split('\n').at(-1)!) as {
      error: { reason: string; message: string };
    };
    t.equal(failure.error.reason, 'cluster_token_mismatch');
    t.match(failure.error.message, /delete the file/);
    t.equal(
      (await readFile(join(home, 'state', 'token'), 'utf8')).trim(),
      foreign,
      'its file is left as it was',
    );
    t.notOk(existsSync(join(home, 'state', 'daemon.json')), 'it never listened');
    t.same(
      await sql(`SELECT token FROM ${schema}.cluster`),
      [{ token: a.token }],
      "and the cluster's is kept",
    );
  },
);

t.test(
  'a client of one node follows, waits for and reads a run of another, byte for byte',
  { skip },
  async (t) => {
    const { clientA, clientB, idB } = await twoNodes(t);
    const run = await clientB.run.start({ argv: ['sh', '-c', SLOW_SCRIPT] });
    t.equal(run.nodeId, idB);

    const followed = collect(clientA.run.follow(run.runId, { fromSeq: 1 }));
    const waited = await clientA.run.wait({ runId: run.runId, timeoutMs: 60_000 });
    t.equal(waited.status, 'succeeded', 'run.wait through a returned when the run ended');
    const events = await followed;
    const onDisk = await eventsOnDisk(run.runDir);
    t.same(
      events.map((event) => [event.seq, event.type]),
      onDisk.map((event) => [event.seq, event.type]),
      "every event of b's events.jsonl, in order, once, to the end",
    );
    const output = events.filter((event) => event.type === 'output');
    t.same(
      Buffer.concat(output.map((event) => Buffer.from(event.bytes))),
      await readFile(join(run.runDir, 'logs', 'stdout.log')),
      'output events carry the bytes the run wrote, the invalid UTF-8 too',
    );

    const logsParams = { runId: run.runId, stream: 'stdout' as const, offset: 0 };
    t.same(
      await clientA.run.logs(logsParams),
      await clientB.run.logs(logsParams),
      "run.logs gives b's answer",
    );
    t.same(
      await clientA.run.events({ runId: run.runId, fromSeq: 2, limit: 3 }),
      await clientB.run.events({ runId: run.runId, fromSeq: 2, limit: 3 }),
      'run.events too',
    );
    const reports = await clientA.retained.reports({ runId: run.runId });
    t.same(reports, await clientB.retained.reports({ runId: run.runId }), 'retained.reports');
    t.same(
      await clientA.retained.artifactManifest({ runId: run.runId }),
      await clientB.retained.artifactManifest({ runId: run.runId }),
      'retained.artifactManifest',
    );
    for (const path of ['reports/summary.md', 'artifacts/bin.dat']) {
      const chunk = await clientA.retained.readArtifact({ runId: run.runId, path });
      t.same(
        Buffer.from(chunk.data, 'base64'),
        await readFile(join(run.runDir, path)),
        `${path} read through a, byte for byte`,
      );
    }
  },
);

t.test('a resumed follow through another node gets every event once, with no gap', { skip }, async (t) => {
  const { clientA, clientB } = await twoNodes(t);
  const run = await clientB.run.start({ argv: ['sh', '-c', SLOW_SCRIPT] });
  const first = await collect(clientA.run.follow(run.runId, { fromSeq: 1 }), 3);
  const rest = await collect(clientA.run.follow(run.runId, { fromSeq: first.at(-1)!.seq + 1 }));
  const seqs = [...first, ...rest].map((event) => event.seq);
  t.same(
    seqs,
    seqs.map((_, index) => index + 1),
    'seq 1, 2, 3 ... with none missing or repeated',
  );
  t.equal(rest.at(-1)?.type, 'end', 'to the end event');
  // Compared event by event, so that a failure shows which differ. The end reaches a follower as it is
  // appended, a moment before b's log has it on disk: read once the run has finished there.
  await clientB.run.wait({ runId: run.runId });
  t.same(
    [...first, ...rest].map(({ seq, type }) => ({ seq, type })),
    (await eventsOnDisk(run.runDir)).map(({ seq, type }) => ({ seq, type })),
    "the events b's log holds",
  );
});

t.test(
  "a JSON subscription through another node gets the owner's events as notifications of its own id",
  { skip },
  async (t) => {
    const { a, clientB } = await twoNodes(t);
    const run = await clientB.run.start({ argv: ['sh', '-c', 'echo one; sleep 0.3; echo two'] });
    const socket = await a.socket();
    const answer = (await socket.request({
      jsonrpc: '2.0',
      id: 1,
      method: 'run.subscribe',
      params: { runId: run.runId, fromSeq: 1 },
    })) as { result: { subscriptionId: string; nextSeq: number } };
    t.match(answer.result, { nextSeq: 1 }, 'the answer comes first, with the nextSeq asked for');
    const pushed: {
      method: string;
      params: { subscriptionId: string; runId: string; event: FollowedEvent };
    }[] = [];
    while (pushed.at(-1)?.params.event.type !== 'end')
      pushed.push((await socket.next()) as (typeof pushed)[0]);
    // The end is pushed as it is appended, a moment before b's log has it on disk.
    await clientB.run.wait({ runId: run.runId });
    t.ok(
      pushed.every(
        ({ method, params }) =>
          method === 'run.event' &&
          params.subscriptionId === answer.result.subscriptionId &&
          params.runId === run.runId,
      ),
      'run.event notifications of the subscription made here',
    );
    t.same(
      pushed.map(({ params }) => params.event.seq),
      (await eventsOnDisk(run.runDir)).map((event) => event.seq),
      "every event of b's log, in order",
    );
    t.equal(
      pushed.flatMap(({ params: { event } }) => (event.type === 'output' ? [event.text] : [])).join(''),
      'one\ntwo\n',
      'output events carry their text',
    );
  },
);

t.test('run.cancel through another node stops the run on its own node', { skip }, async (t) => {
  const { clientA, clientB } = await twoNodes(t);
  const run = await clientB.run.start({
    argv: ['sh', '-c', 'echo $$ > "$RUNYARD_ARTIFACTS_DIR/pid"; exec sleep 600'],
  });
  const pid = await eventually(async () => {
    const text = await readFile(join(run.runDir, 'artifacts', 'pid'), 'utf8').catch(() => '');
    return Number(text) || undefined;
  });
  const cancelled = await clientA.run.cancel({ runId: run.runId });
  t.equal(cancelled.status, 'cancelled', 'the answer is the run cancelled');
  t.equal((await clientB.run.status({ runId: run.runId })).status, 'cancelled', 'as its own node says');
  t.ok(processGone(pid), 'and its process is gone');
});

/** What `call` rejected with; undefined when it resolved. Caught at once, so never an unhandled rejection. */
const failureOf = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  );

t.test(
  'a call another node forwarded is answered where it arrives, never forwarded on',
  { skip },
  async (t) => {
    const { a, clientA, clientB } = await twoNodes(t);
    const run = await clientB.run.start({ argv: ['sleep', '600'] });
    // As the database has it, which is what a reads: b's own engine may know it a moment sooner.
    await eventually(async () =>
      (await clientA.run.status({ runId: run.runId })).status === 'running' ? true : undefined,
    );
    const asPeer = await a.socket({
      headers: { authorization: `Bearer ${a.token}`, 'x-runyard-forwarded-by': 'another-node' },
    });
    const answer = (await asPeer.request({
      jsonrpc: '2.0',
      id: 1,
      method: 'run.cancel',
      params: { runId: run.runId },
    })) as { result: { status: string } };
    t.equal(answer.result.status, 'running', 'a has no such run in its engine: the record as it is');
    t.equal((await clientB.run.status({ runId: run.runId })).status, 'running', 'b was never asked');
    t.equal(
      (await clientA.run.cancel({ runId: run.runId })).status,
      'cancelled',
      'as a client, a forwards it',
    );
  },
);

const rejectsUnavailable = async (t: Test, call: Promise<unknown>, idB: string, what: string) => {
  const error = await failureOf(call);
  t.type(error, NodeUnavailableError, `${what}: node_unavailable`);
  t.match(
    (error as NodeUnavailableError).data,
    { reason: 'node_unavailable', nodeId: idB },
    `${what}: names b`,
  );
};

t.test(
  "when a run's node is killed, reads of it through another node fail with node_unavailable naming it",
  { skip },
  async (t) => {
    const { a, clientA, clientB, b, idB } = await twoNodes(t);
    const done = await clientB.run.start({ argv: ['sh', '-c', 'echo done'] });
    await clientB.run.wait({ runId: done.runId });
    const running = await clientB.run.start({ argv: ['sh', '-c', 'echo started; exec sleep 600'] });
    // A follow through a, relayed from b, that b's death cuts off.
    const following = failureOf(collect(clientA.run.follow(running.runId, { fromSeq: 1 })));
    await eventually(async () =>
      (await clientA.run.logs({ runId: running.runId })).text.includes('started') ? true : undefined,
    );
    // A wait held at b when b dies waits on in the database, for the rest of its time.
    const waiting = clientA.run.wait({ runId: running.runId, timeoutMs: 5_000 });
    await clientB.close();
    await b.stop('SIGKILL');

    const waited = await waiting;
    t.equal(waited.runId, running.runId, 'run.wait answers with the run, not an error');
    t.ok(['running', 'interrupted'].includes(waited.status), `as the database has it (${waited.status})`);
    await rejectsUnavailable(
      t,
      following.then((error) => Promise.reject(error)),
      idB,
      'the follow cut off',
    );
    await rejectsUnavailable(t, clientA.run.logs({ runId: done.runId }), idB, 'run.logs');
    await rejectsUnavailable(t, clientA.run.events({ runId: done.runId }), idB, 'run.events');
    await rejectsUnavailable(t, clientA.retained.reports({ runId: done.runId }), idB, 'retained.reports');
    await rejectsUnavailable(t, clientA.run.cancel({ runId: running.runId }), idB, 'run.cancel');
    t.match(
      (await clientA.run.status({ runId: done.runId })).status,
      'succeeded',
      'run.status still answers from the database',
    );
    t.notMatch(a.log(), /method failed|replay failed|dispatch failed/, 'a logged no failure of its own');
  },
);

t.test(
  "a run's node stopped cleanly: reads of it through another node say it is stopped",
  { skip },
  async (t) => {
    const { clientA, clientB, b, idB } = await twoNodes(t);
    const done = await clientB.run.start({ argv: ['sh', '-c', 'echo done'] });
    await clientB.run.wait({ runId: done.runId });
    t.match((await clientA.run.logs({ runId: done.runId })).text, 'done', 'read through a while b is up');
    await clientB.close();
    t.equal(await b.stop('SIGTERM'), 0);
    const error = await failureOf(clientA.run.logs({ runId: done.runId }));
    t.type(error, NodeUnavailableError);
    t.match((error as NodeUnavailableError).data, { nodeId: idB, url: b.url, cause: /stopped/ });
    t.match(
      (error as Error).message,
      `run ${done.runId} is on node ${idB} (${b.url}), which is not reachable`,
    );
  },
);

t.test(
  'a follow through another node ends with node_unavailable when that node is paused (SIGSTOP)',
  { skip },
  async (t) => {
    const { clientA, clientB, b, idB } = await twoNodes(t);
    const running = await clientB.run.start({ argv: ['sh', '-c', 'echo started; exec sleep 600'] });
    const following = failureOf(collect(clientA.run.follow(running.runId, { fromSeq: 1 })));
    await eventually(async () =>
      (await clientA.run.logs({ runId: running.runId })).text.includes('started') ? true : undefined,
    );
    // A paused node keeps its connections open and answers nothing: only the peer's pings tell.
    b.child.kill('SIGSTOP');
    t.teardown(() => void b.child.kill('SIGCONT'));
    const error = await following;
    b.child.kill('SIGCONT');
    t.type(error, NodeUnavailableError, 'the follow fails, never hangs');
    t.match((error as NodeUnavailableError).data, { nodeId: idB }, 'naming the paused node');
  },
);

t.test(
  "a subscriber to every run's status on one node gets the other nodes' runs' too, in order",
  { skip },
  async (t) => {
    const { a, clientB, idB } = await twoNodes(t);
    const socket = await a.socket();
    const answer = (await socket.request({ jsonrpc: '2.0', id: 1, method: 'run.subscribe', params: {} })) as {
      result: { subscriptionId: string };
    };
    t.ok(answer.result.subscriptionId, 'subscribed on a');
    const run = await clientB.run.start({ argv: ['echo', 'on b'] });
    const statuses: string[] = [];
    while (statuses.at(-1) !== 'succeeded') {
      const message = (await socket.next()) as {
        method: string;
        params: { runId: string; event: { status: string } };
      };
      if (message.method === 'run.event' && message.params.runId === run.runId)
        statuses.push(message.params.event.status);
    }
    t.same(statuses, ['queued', 'running', 'succeeded'], "b's run, every status, in order");
    t.equal((await clientB.run.status({ runId: run.runId })).nodeId, idB, 'a run of b');
  },
);
