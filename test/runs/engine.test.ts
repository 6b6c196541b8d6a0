// The engine in-process, with real child processes and run directories: supervision, retries, the queue, recovery.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createLogger } from '../../src/log.js';
import { RunEngine, type EngineOptions } from '../../src/runs/engine.js';
import { identify } from '../../src/runs/process-identity.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { processGone } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { tempDir } from '../helpers/fs.js';

const quiet = createLogger({ write: () => {} });

async function engineIn(t: Test, options: Partial<EngineOptions> = {}) {
  const runsDir = await tempDir(t, 'engine');
  const store: Store = options.store ?? new MemoryStore();
  const engine = new RunEngine({
    runsDir,
    store,
    maxConcurrent: 2,
    maxQueued: 100,
    killGraceMs: 200,
    nodeId: 'test-node',
    log: quiet,
    ...options,
  });
  t.teardown(() => engine.close());
  return { engine, runsDir, store };
}

t.test(
  'a run is supervised to its end, and its directory is complete when it is seen finished',
  async (t) => {
    const { engine } = await engineIn(t);
    await engine.recover();
    engine.startQueue();
    const run = await engine.start({ argv: ['sh', '-c', 'echo out; exit 3'] });
    const done = await engine.wait(run.runId, 20_000);
    t.match(done, { status: 'failed', exitCode: 3, error: { reason: 'exit_code' } });
    t.ok(existsSync(join(done.runDir, 'retention-summary.json')));
    t.equal((await engine.readLog(run.runId, 'stdout', 0, 100)).text, 'out\n');
  },
);

t.test('a retry policy makes new attempts until one succeeds', async (t) => {
  const { engine } = await engineIn(t);
  engine.startQueue();
  const run = await engine.start({
    argv: ['sh', '-c', 'test "$RUNYARD_ATTEMPT" = 3'],
    retry: { maxAttempts: 5, initialDelayMs: 1, jitter: 'none' },
  });
  const done = await engine.wait(run.runId, 20_000);
  t.match(done, { status: 'succeeded', attempt: 3 });
  const statuses = (await engine.readEvents(run.runId, 1, 1_000)).events
    .filter((event) => event.type === 'status')
    .map((event) => (event as { status: string }).status);
  t.same(statuses, ['queued', 'running', 'retrying', 'running', 'retrying', 'running', 'succeeded']);
});

t.test('queued runs wait for startQueue, then start by priority within the concurrency limit', async (t) => {
  const { engine, runsDir } = await engineIn(t, { maxConcurrent: 1 });
  const order = join(runsDir, 'order');
  const started = [];
  for (const [name, priority] of [
    ['low', -1],
    ['first', 0],
    ['high', 5],
  ] as const) {
    started.push(await engine.start({ argv: ['sh', '-c', `echo ${name} >> ${order}`], priority }));
  }
  t.same(
    started.map((run) => run.status),
    ['queued', 'queued', 'queued'],
    'nothing runs before the daemon serves',
  );
  engine.startQueue();
  for (const run of started) await engine.wait(run.runId, 20_000);
  t.equal(await readFile(order, 'utf8'), 'high\nfirst\nlow\n');
});

t.test('a cancel of a queued run ends it without an attempt', async (t) => {
  const { engine } = await engineIn(t);
  const run = await engine.start({ argv: ['true'] });
  const cancelled = await engine.cancel(run.runId);
  t.match(cancelled, { status: 'cancelled', attempt: 0, error: { reason: 'cancelled' } });
});

t.test(
  'recovery takes over a store a dead engine left: active runs end interrupted, queued ones run',
  async (t) => {
    const store = new MemoryStore();
    const first = await engineIn(t, { store, maxConcurrent: 1 });
    const active = await first.engine.start({ argv: ['sleep', '30'] });
    const queued = await first.engine.start({ argv: ['true'] });
    // What a dead engine leaves: one run indexed as running, its process group still alive.
    const orphan = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    t.teardown(() => void (processGone(orphan.pid!) || process.kill(-orphan.pid!, 'SIGKILL')));
    const stored = (await store.runs.listUnfinished()).find((run) => run.record.runId === active.runId)!;
    await store.runs.update({
      ...stored,
      record: { ...stored.record, status: 'running', attempt: 1, startedAt: new Date().toISOString() },
      process: identify(orphan.pid)!,
    });
    const second = new RunEngine({
      runsDir: first.runsDir,
      store,
      maxConcurrent: 1,
      maxQueued: 100,
      killGraceMs: 200,
      nodeId: 'test-node',
      log: quiet,
    });
    t.teardown(() => second.close());
    t.same(await second.recover(), { requeued: 1, interrupted: 1, completed: 0, takenOver: 0 });
    t.match(await second.get(active.runId), { status: 'interrupted', error: { reason: 'daemon_restart' } });
    t.ok(
      await eventually(() => processGone(orphan.pid!) || undefined),
      'the process group it left is stopped',
    );
    second.startQueue();
    t.match(await second.wait(queued.runId, 20_000), { status: 'succeeded' });
  },
);
