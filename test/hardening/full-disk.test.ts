// Full disk: the runs directory is a 4 MiB tmpfs that a run (or the test) fills. A run whose files cannot
// be written fails with reason io_error; the daemon keeps serving, no JSON file is left half-written, and
// once space returns new runs succeed. Needs root (mount); skipped elsewhere, runs in CI.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { RpcError, type RunRecord, type RunyardClient } from 'runyard/client';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { tempDir } from '../helpers/fs.js';

const FAILING_LINE = 'a run file cannot be written; failing the run';
const ACTIVE = ['queued', 'running', 'retrying'] as const;
/** Far more than the 4 MiB the runs directory holds. */
const FLOOD = 'head -c 20000000 /dev/zero';

/** Mounts a 4 MiB tmpfs on `dir`; the reason it could not, or undefined once mounted. */
function mountTmpfs(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (error as Error).message;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // something still holds it open: detach it
  }
}

const probe = await mkdtemp(join(tmpdir(), 'runyard-disk-probe-'));
const cannotMount = mountTmpfs(probe);
if (cannotMount === undefined) unmount(probe);
await rmdir(probe);

if (cannotMount !== undefined) {
  t.plan(0, `cannot mount a tmpfs to fill (needs root): ${cannotMount}`);
} else {
  t.test('a run whose stdout fills the disk fails with io_error naming logs/stdout.log', async (t) => {
    const { daemon, client } = await diskDaemon(t);
    const run = await client.run.start({ argv: ['sh', '-c', FLOOD] });
    const done = await client.run.wait({ runId: run.runId, timeoutMs: 30_000 });
    t.equal(done.status, 'failed', 'the run failed');
    t.equal(done.error?.reason, 'io_error', 'because its log could not be written');
    t.match(done.error?.message, /logs\/stdout\.log: ENOSPC/, 'the message names the file and the cause');
    t.equal(done.attempt, 1, 'after one attempt');
    t.same(failedFiles(daemon, run.runId), ['logs/stdout.log'], `the daemon logged "${FAILING_LINE}" once`);
    await checkServing(t, daemon, client, run.runId);
    await checkJsonFiles(t, daemon);
    await freeSpaceAndRunAgain(t, client, done);
  });

  t.test('a run whose stderr fills the disk fails with io_error naming logs/stderr.log', async (t) => {
    const { daemon, client } = await diskDaemon(t);
    const run = await client.run.start({ argv: ['sh', '-c', `${FLOOD} >&2`] });
    const done = await client.run.wait({ runId: run.runId, timeoutMs: 30_000 });
    t.equal(done.status, 'failed', 'the run failed');
    t.equal(done.error?.reason, 'io_error', 'because its log could not be written');
    t.match(done.error?.message, /logs\/stderr\.log: ENOSPC/, 'the message names the file and the cause');
    t.same(failedFiles(daemon, run.runId), ['logs/stderr.log'], `the daemon logged "${FAILING_LINE}" once`);
    await checkServing(t, daemon, client, run.runId);
    await checkJsonFiles(t, daemon);
    await freeSpaceAndRunAgain(t, client, done, 'stderr');
  });

  t.test('a run that failed with io_error is not retried, whatever its retry policy', async (t) => {
    const { daemon, client } = await diskDaemon(t);
    const run = await client.run.start({
      argv: ['sh', '-c', FLOOD],
      retry: { maxAttempts: 3, initialDelayMs: 1 },
    });
    t.equal(run.maxAttempts, 3, 'the run may take three attempts');
    const done = await client.run.wait({ runId: run.runId, timeoutMs: 30_000 });
    t.equal(done.status, 'failed', 'the run failed');
    t.equal(done.error?.reason, 'io_error', 'because its log could not be written');
    t.equal(done.attempt, 1, 'after exactly one attempt');
    t.equal((await client.run.status({ runId: run.runId })).attempt, 1, 'and no attempt follows');
    await checkServing(t, daemon, client, run.runId);
    await checkJsonFiles(t, daemon);
    await freeSpaceAndRunAgain(t, client, done);
  });

  t.test(
    'a run whose run files cannot be written when it ends fails with io_error naming the file',
    async (t) => {
      const { daemon, client } = await diskDaemon(t);
      // The run prints nothing, so its logs need no space, and it fills the disk only once events.jsonl has
      // its first page (the events still to come fit in it): what cannot be written is the run files.
      const run = await client.run.start({
        argv: [
          'sh',
          '-c',
          `while [ ! -s "$RUNYARD_RUN_DIR/events.jsonl" ]; do sleep 0.01; done
          ${FLOOD} > "$RUNYARD_ARTIFACTS_DIR/big" 2>/dev/null; exit 0`,
        ],
      });
      const done = await client.run.wait({ runId: run.runId, timeoutMs: 30_000 });
      t.equal(done.status, 'failed', 'the run failed');
      t.equal(done.error?.reason, 'io_error', 'because a file of the run could not be written');
      t.match(
        done.error?.message,
        /(run|artifact-manifest|retention-summary)\.json: ENOSPC/,
        'the message names the run file and the cause',
      );
      const logged = failedFiles(daemon, run.runId);
      t.equal(logged.length, 1, `the daemon logged "${FAILING_LINE}" once`, { logged });
      await checkServing(t, daemon, client, run.runId);
      await checkJsonFiles(t, daemon);
      await rm(join(done.runDir, 'artifacts', 'big'));
      const again = await client.run.start({ argv: ['sh', '-c', 'echo space is back'] });
      const next = await client.run.wait({ runId: again.runId, timeoutMs: 30_000 });
      t.equal(next.status, 'succeeded', 'once space returns, a new run succeeds');
      t.ok(existsSync(join(next.runDir, 'retention-summary.json')), 'and gets its retention-summary.json');
    },
  );

  t.test(
    'run.start on a disk something else filled answers run_dir_failed or fails the run, and works again once space returns',
    async (t) => {
      const { daemon, client } = await diskDaemon(t);
      const filler = join(daemon.runsDir, 'filler');
      await fillDisk(filler);
      let started: RunRecord | undefined;
      try {
        started = await client.run.start({ argv: ['sh', '-c', 'echo small'] });
      } catch (error) {
        t.type(error, RpcError, 'run.start answered an error');
        t.equal((error as RpcError).code, 1004, 'run_dir_failed, not an internal error');
        t.match((error as RpcError).message, /ENOSPC/, 'naming the cause');
      }
      if (started) {
        const done = await client.run.wait({ runId: started.runId, timeoutMs: 30_000 });
        t.equal(done.status, 'failed', 'the run created on a full disk failed');
        t.equal(done.error?.reason, 'io_error', 'because its files could not be written');
      }
      const stuck = await client.run.list({ status: [...ACTIVE] });
      t.same(stuck.runs, [], 'no run is left queued or running');
      await checkServing(t, daemon, client, started?.runId);
      await checkJsonFiles(t, daemon);

      await rm(filler);
      const again = await client.run.start({ argv: ['sh', '-c', 'echo small'] });
      const done = await client.run.wait({ runId: again.runId, timeoutMs: 30_000 });
      t.equal(done.status, 'succeeded', 'a run started once space returned succeeds');
      t.ok(existsSync(join(done.runDir, 'retention-summary.json')), 'and has its retention-summary.json');
      await checkJsonFiles(t, daemon);
      t.equal(daemon.child.exitCode, null, 'the daemon still runs');
    },
  );

  t.test(
    'while one run fills the disk, other clients are answered and a run started before it ends definitely',
    async (t) => {
      const { daemon, client } = await diskDaemon(t, ['--max-concurrent', '4']);
      const go = join(daemon.home, 'go'); // outside the tmpfs
      const small = await client.run.start({
        argv: ['sh', '-c', `while [ ! -e '${go}' ]; do sleep 0.02; done; echo small; echo small >&2`],
      });
      await eventually(async () =>
        (await client.run.status({ runId: small.runId })).status === 'running' ? true : undefined,
      );
      const other = await daemon.client();
      const flood = await client.run.start({ argv: ['sh', '-c', FLOOD] });

      // Another client keeps asking while the disk fills, until the flooding run has ended.
      const answered: string[] = [];
      const failures: string[] = [];
      await eventually(async () => {
        const [info, status, list] = await Promise.allSettled([
          other.daemon.info(),
          other.run.status({ runId: flood.runId }),
          other.run.list({}),
        ]);
        for (const answer of [info, status, list])
          if (answer.status === 'rejected') failures.push(String(answer.reason));
        const floodStatus = status.status === 'fulfilled' ? status.value.status : 'unanswered';
        answered.push(floodStatus);
        return failures.length > 0 || !ACTIVE.some((active) => active === floodStatus) ? true : undefined;
      }, 30_000);
      t.same(failures, [], 'every call of the other client was answered');
      t.ok(answered.length > 0, `the other client was answered ${answered.length} times during the flood`);
      const flooded = await client.run.wait({ runId: flood.runId, timeoutMs: 30_000 });
      t.equal(flooded.status, 'failed', 'the flooding run failed');
      t.equal(flooded.error?.reason, 'io_error', 'with io_error');

      const late = await daemon.client();
      t.ok((await late.daemon.info()).pid, 'a connection opened on the full disk is served');

      // The small run now writes its output onto the full disk.
      await writeFile(go, '');
      const done = await client.run.wait({ runId: small.runId, timeoutMs: 30_000 });
      t.ok(
        done.status === 'succeeded' || (done.status === 'failed' && done.error?.reason === 'io_error'),
        `the run started before the disk filled ended ${done.status} (${done.error?.message ?? 'no error'})`,
      );
      const stuck = await client.run.list({ status: [...ACTIVE] });
      t.same(stuck.runs, [], 'no run is left queued or running');
      await checkServing(t, daemon, client, small.runId);
      await checkJsonFiles(t, daemon);
      await freeSpaceAndRunAgain(t, client, flooded);
    },
  );
}

/** A daemon whose runs directory is a fresh 4 MiB tmpfs, unmounted after the daemon stopped. */
async function diskDaemon(t: Test, args: string[] = []) {
  const home = await tempDir(t, 'disk');
  const runs = join(home, 'runs');
  await mkdir(runs);
  const failure = mountTmpfs(runs);
  if (failure !== undefined) throw new Error(`could not mount a tmpfs on ${runs}: ${failure}`);
  // Registered before the daemon's own teardown, so it runs after the daemon has stopped.
  t.teardown(() => unmount(runs));
  const daemon = await startDaemon(t, { home, args });
  const client = await daemon.client();
  return { daemon, client };
}

/** Writes `path` until the disk refuses more. */
async function fillDisk(path: string): Promise<void> {
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(65_536);
  try {
    for (;;) await file.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
}

/** The files named by the daemon's log lines saying it failed this run because a file could not be written. */
function failedFiles(daemon: TestDaemon, runId: string): string[] {
  return daemon
    .log()
    .split('\n')
    .filter((line) => line.includes(FAILING_LINE) && line.includes(runId))
    .map((line) => (JSON.parse(line) as { file: string }).file);
}

/** The daemon process lives and answers this client, the run's status, and a new connection. */
async function checkServing(t: Test, daemon: TestDaemon, client: RunyardClient, runId?: string) {
  t.equal(daemon.child.exitCode, null, 'the daemon process is still alive');
  t.ok((await client.daemon.info()).pid, 'daemon.info is answered');
  if (runId) t.ok((await client.run.status({ runId })).status, 'run.status is answered');
  const fresh = await daemon.client();
  t.ok((await fresh.daemon.info()).pid, 'a new connection is served');
}

/** Every *.json under the runs directory parses, and no temp file (a name starting with '.') is left. */
async function checkJsonFiles(t: Test, daemon: TestDaemon) {
  const broken: string[] = [];
  const temps: string[] = [];
  let parsed = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.')) temps.push(path);
      else if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.json')) {
        try {
          JSON.parse(readFileSync(path, 'utf8'));
          parsed++;
        } catch (error) {
          broken.push(`${path}: ${(error as Error).message}`);
        }
      }
    }
  };
  visit(daemon.runsDir);
  t.same(broken, [], `all ${parsed} JSON files under the runs directory parse`);
  t.same(temps, [], 'no temp file is left behind');
}

/** Deletes the big log of `failed` to free the disk; a new run then succeeds with its retention summary. */
async function freeSpaceAndRunAgain(
  t: Test,
  client: RunyardClient,
  failed: RunRecord,
  stream: 'stdout' | 'stderr' = 'stdout',
) {
  await rm(join(failed.runDir, 'logs', `${stream}.log`));
  const run = await client.run.start({ argv: ['sh', '-c', 'echo space is back'] });
  const done = await client.run.wait({ runId: run.runId, timeoutMs: 30_000 });
  t.equal(done.status, 'succeeded', 'once space returns, a new run succeeds');
  const summary = join(done.runDir, 'retention-summary.json');
  t.ok(existsSync(summary), 'and gets its retention-summary.json');
  if (existsSync(summary))
    t.equal(
      (JSON.parse(readFileSync(summary, 'utf8')) as { status: string }).status,
      'succeeded',
      'which records it succeeded',
    );
}
