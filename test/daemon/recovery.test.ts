// What survives a crash or restart: the index, queued runs, interrupted runs completed, orphans stopped.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { RunRecord, RunyardClient } from 'runyard/client';
import { CLI, processGone, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { readJson } from '../helpers/fs.js';

const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

/** Every run the daemon lists, page by page, as run.status answers them. */
async function everyRun(client: RunyardClient): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.run.list({ limit: 2, ...(cursor ? { cursor } : {}) });
    runs.push(...page.runs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return runs;
}

t.test(
  'after SIGKILL the next daemon interrupts the running run, stops its processes and runs the queue in order',
  async (t) => {
    const first = await startDaemon(t, { args: ['--max-concurrent', '1'] });
    const client = await first.client();
    const order = join(first.home, 'order.txt');
    const long = await client.run.start({
      argv: ['sh', '-c', 'sleep 300 & echo $! > "$RUNYARD_ARTIFACTS_DIR/child.pid"; echo started; wait'],
      env: { SECRET: 'kept-out-of-the-run-dir' },
    });
    const childPid = await eventually(
      async () =>
        Number(await readFile(join(long.runDir, 'artifacts/child.pid'), 'utf8').catch(() => '')) || undefined,
    );
    const queued: RunRecord[] = [];
    for (const name of ['a', 'b', 'c']) {
      queued.push(
        await client.run.start({
          argv: ['sh', '-c', `echo ${name}:$TOKEN >> ${order}`],
          env: { TOKEN: name.toUpperCase() },
        }),
      );
    }
    const urgent = await client.run.start({ argv: ['sh', '-c', `echo urgent >> ${order}`], priority: 9 });
    await first.stop('SIGKILL');
    t.notOk(processGone(childPid), 'the run outlived its daemon');

    const second = await startDaemon(t, { home: first.home, args: ['--max-concurrent', '1'] });
    const after = await second.client();
    const interrupted = await after.run.status({ runId: long.runId });
    t.match(interrupted, { status: 'interrupted', error: { reason: 'daemon_restart' } });
    t.ok(await eventually(() => processGone(childPid) || undefined), 'the orphaned process group is gone');
    const summary = await readJson(join(long.runDir, 'retention-summary.json'));
    t.match(summary, { status: 'interrupted', error: { reason: 'daemon_restart' } });
    t.equal((await readJson(join(long.runDir, 'run.json'))).status, 'interrupted');
    t.equal(
      await readFile(join(long.runDir, 'logs/stdout.log'), 'utf8'),
      'started\n',
      'what the run wrote is untouched',
    );
    const events = (await readFile(join(long.runDir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.same(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
      'the event log continues without a gap',
    );
    t.match(events.at(-1), { type: 'end', status: 'interrupted' });

    for (const run of [...queued, urgent]) await after.run.wait({ runId: run.runId });
    t.equal(
      await readFile(order, 'utf8'),
      'urgent\na:A\nb:B\nc:C\n',
      'queued runs ran in their order, with their env',
    );
    for (const run of queued) t.equal((await after.run.status({ runId: run.runId })).status, 'succeeded');
  },
);

t.test('a graceful restart keeps every finished run answering as before', async (t) => {
  const first = await startDaemon(t);
  const client = await first.client();
  for (const argv of [['true'], ['false'], ['sh', '-c', 'echo hi']]) {
    const run = await client.run.start({ argv, labels: { restart: 'yes' } });
    await client.run.wait({ runId: run.runId });
  }
  const before = await everyRun(client);
  await first.stop();
  const second = await startDaemon(t, { home: first.home });
  t.same(await everyRun(await second.client()), before);
});

for (const damage of ['deleted', 'corrupted'] as const) {
  t.test(
    `an index ${damage} between two daemons is rebuilt from the run directories and answers the same`,
    async (t) => {
      const first = await startDaemon(t);
      const client = await first.client();
      const retried = await client.run.start({
        argv: ['sh', '-c', 'test "$RUNYARD_ATTEMPT" = 2'],
        retry: { maxAttempts: 2, initialDelayMs: 1 },
        idempotencyKey: 'rebuild-key',
        labels: { kind: 'retried' },
      });
      await client.run.wait({ runId: retried.runId });
      const nested = await client.run.start({ argv: ['false'], outputDir: 'nightly/one' });
      await client.run.wait({ runId: nested.runId });
      const timedOut = await client.run.start({ argv: ['sleep', '30'], timeoutMs: 50 });
      await client.run.wait({ runId: timedOut.runId });
      const before = await everyRun(client);
      await first.stop();

      const db = join(first.stateDir, 'runyard.db');
      for (const suffix of ['', '-wal', '-shm']) await rm(db + suffix, { force: true });
      if (damage === 'corrupted') await writeFile(db, 'this is not a database '.repeat(100));

      const second = await startDaemon(t, { home: first.home });
      const after = await second.client();
      t.same(await everyRun(after), before, 'run.list pages answer the same');
      for (const run of before)
        t.same(await after.run.status({ runId: run.runId }), run, `run.status ${run.runId}`);
      const again = await after.run.start({ argv: ['true'], idempotencyKey: 'rebuild-key' });
      t.equal(again.runId, retried.runId, 'idempotency keys survive the rebuild');
      if (damage === 'corrupted') {
        const aside = (await readdir(first.stateDir)).filter((name) =>
          name.startsWith('runyard.db.corrupt-'),
        );
        t.equal(aside.length, 1, 'the corrupt file is moved aside, not deleted');
        t.match(second.log(), /moved it aside/);
        t.match(second.log(), aside[0]!);
      }
    },
  );
}

t.test(
  'runyard index rebuild counts what it found, is idempotent and refuses while a daemon runs',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    const run = await client.run.start({ argv: ['true'] });
    await client.run.wait({ runId: run.runId });
    const args = ['index', 'rebuild', '--runs-dir', daemon.runsDir, '--state-dir', daemon.stateDir];
    const refused = await cli(...args);
    t.equal(refused.code, 1);
    t.match(refused.stderr, /stop it first/);
    await daemon.stop();

    await mkdir(join(daemon.runsDir, 'garbage'));
    await writeFile(join(daemon.runsDir, 'garbage/run.json'), '{ not json');
    await rm(join(daemon.stateDir, 'runyard.db'));
    const rebuilt = await cli(...args, '--json');
    t.same(JSON.parse(rebuilt.stdout), {
      found: 2,
      added: 1,
      updated: 0,
      foreign: 0,
      unreadable: 1,
      problems: [
        {
          dir: 'garbage',
          file: 'run.json',
          field: null,
          reason: 'not_json',
          message: 'run.json is not JSON (torn, truncated or garbage)',
        },
      ],
    });
    const again = await cli(...args);
    t.equal(again.stdout.trim(), 'found 2, added 0, updated 0, foreign 0, unreadable 1');
    t.equal(
      again.stderr,
      'garbage: run.json is not JSON (torn, truncated or garbage)\n',
      'the bad directory is named',
    );
  },
);

t.test(
  'index prune removes finished runs beyond --keep-runs, with their directories only when asked',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    const runs: RunRecord[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await client.run.start({ argv: ['true'] });
      runs.push(await client.run.wait({ runId: run.runId }));
    }
    await daemon.stop();
    const base = [
      'index',
      'prune',
      '--runs-dir',
      daemon.runsDir,
      '--state-dir',
      daemon.stateDir,
      '--keep-runs',
      '1',
    ];
    const dry = await cli(...base, '--dry-run', '--json');
    t.same(JSON.parse(dry.stdout), { dryRun: true, runs: [runs[0]!.runId, runs[1]!.runId], removedDirs: 0 });
    t.ok((await readdir(daemon.runsDir)).includes(runs[0]!.runId), 'a dry run removes nothing');
    const pruned = await cli(...base, '--prune-dirs', '--json');
    t.same(JSON.parse(pruned.stdout), {
      dryRun: false,
      runs: [runs[0]!.runId, runs[1]!.runId],
      removedDirs: 2,
    });
    t.same(await readdir(daemon.runsDir), [runs[2]!.runId]);
    t.equal((await cli('index', 'prune', '--state-dir', daemon.stateDir)).code, 2, 'a limit is required');

    const next = await startDaemon(t, { home: daemon.home });
    const after = await next.client();
    t.same(
      (await everyRun(after)).map((run) => run.runId),
      [runs[2]!.runId],
    );
    t.match(await after.run.status({ runId: runs[0]!.runId }).catch((e: unknown) => e), {
      reason: 'run_not_found',
    });
  },
);

t.test('the daemon prunes at start with --keep-runs, but never a queued or active run', async (t) => {
  const first = await startDaemon(t, { args: ['--max-concurrent', '1'] });
  const client = await first.client();
  const finished: RunRecord[] = [];
  for (let i = 0; i < 2; i++) {
    const run = await client.run.start({ argv: ['true'] });
    finished.push(await client.run.wait({ runId: run.runId }));
  }
  const blocker = await client.run.start({ argv: ['sleep', '30'] });
  const queued = await client.run.start({ argv: ['true'] });
  await first.stop('SIGKILL');
  const second = await startDaemon(t, {
    home: first.home,
    args: ['--keep-runs', '0', '--max-concurrent', '1'],
  });
  const after = await second.client();
  for (const run of finished)
    t.match(await after.run.status({ runId: run.runId }).catch((e: unknown) => e), {
      reason: 'run_not_found',
    });
  // The blocker was interrupted by the restart, so it is finished and falls under --keep-runs 0 too.
  t.match(await after.run.status({ runId: blocker.runId }).catch((e: unknown) => e), {
    reason: 'run_not_found',
  });
  t.equal(
    (await after.run.wait({ runId: queued.runId })).status,
    'succeeded',
    'the queued run survived pruning',
  );
});

t.test('a database written by a newer runyard stops the daemon with both versions named', async (t) => {
  const first = await startDaemon(t);
  await first.stop();
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(first.stateDir, 'runyard.db'));
  db.pragma('user_version = 999');
  db.close();
  const error = await startDaemon(t, { home: first.home }).catch((e: Error) => e);
  t.ok(error instanceof Error);
  t.match((error as Error).message, /schema version 999/);
  t.match((error as Error).message, /up to version \d+/);
});

t.test(
  'a daemon killed after the index had a run end and before its end events: the restart writes them once and records the results',
  async (t) => {
    const first = await startDaemon(t);
    const client = await first.client();
    const cutShort = await client.run.wait({ runId: (await client.run.start({ argv: ['true'] })).runId });
    const complete = await client.run.wait({ runId: (await client.run.start({ argv: ['true'] })).runId });
    await first.stop('SIGKILL');

    // As a kill at each point leaves them: both ended in the index with no results recorded, one with
    // its terminal status and end not yet in events.jsonl, the other with them written.
    const eventsFile = join(cutShort.runDir, 'events.jsonl');
    const lines = (await readFile(eventsFile, 'utf8')).trim().split('\n');
    const kept = lines.filter((line) => !/"type":"end"|"status":"succeeded"/.test(line));
    t.equal(kept.length, lines.length - 2, 'the terminal status and the end taken out');
    await writeFile(eventsFile, kept.map((line) => `${line}\n`).join(''));
    const untouched = await readFile(join(complete.runDir, 'events.jsonl'), 'utf8');
    const Database = (await import('better-sqlite3')).default;
    const dbFile = join(first.stateDir, 'runyard.db');
    const db = new Database(dbFile);
    db.prepare('UPDATE runs SET summary_path = NULL, manifest_path = NULL, reports = NULL').run();
    db.close();

    const second = await startDaemon(t, { home: first.home });
    const again = await second.client();
    t.match(second.log(), /"completed":2/, 'both completed by the recovery');
    const ends = (await readFile(eventsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; status?: string });
    t.same(
      ends.slice(-2).map(({ type, status }) => ({ type, status })),
      [
        { type: 'status', status: 'succeeded' },
        { type: 'end', status: 'succeeded' },
      ],
      'the end the index holds, written last',
    );
    t.equal(ends.filter((event) => event.status === 'succeeded').length, 2, 'once: one status, one end');
    t.equal(
      await readFile(join(complete.runDir, 'events.jsonl'), 'utf8'),
      untouched,
      'a log that already ended is left as it was',
    );
    for (const run of [cutShort, complete])
      t.match(await again.run.status({ runId: run.runId }), { status: 'succeeded', exitCode: 0 });
    await second.stop();
    const reopened = new Database(dbFile, { readonly: true });
    const recorded = reopened.prepare('SELECT count(*) AS n FROM runs WHERE summary_path IS NOT NULL').get();
    reopened.close();
    t.same(recorded, { n: 2 }, 'and the index records where their files are');
  },
);
