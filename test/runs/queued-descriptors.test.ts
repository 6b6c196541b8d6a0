// Queued runs under a low descriptor limit: waiting for a slot costs a run no file descriptor.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { eventually } from '../helpers/poll.js';

const FD_LIMIT = 256;
// Four times the limit: each queued run holding a descriptor would hit EMFILE after about 220.
const QUEUED = 1_000;
const IN_FLIGHT = 32;
// The thousand runs then run one after another: some 90 s on a busy two-core machine, past tap's 120 s default.
t.setTimeout(300_000);

const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

t.test(
  `a daemon limited to ${FD_LIMIT} descriptors queues ${QUEUED} runs and runs them all in order`,
  async (t) => {
    const home = await tempDir(t, 'queued-fds');
    // The daemon is this build's, started through a wrapper that lowers its limit before exec.
    const serve = join(home, 'runyard-limited');
    await writeFile(
      serve,
      `#!/bin/sh\nulimit -n ${FD_LIMIT} || exit 1\nexec '${process.execPath}' '${CLI}' "$@"\n`,
    );
    await chmod(serve, 0o755);
    const daemon = await startDaemon(t, { bin: serve, args: ['--max-concurrent', '1'] });
    const pid = daemon.child.pid!;
    t.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), new RegExp(`Max open files\\s+${FD_LIMIT}\\s`));
    const client = await daemon.client();

    // The blocker says when it runs: by then its pipes and logs are open, and count in `before`.
    const [started, release] = [join(home, 'started'), join(home, 'release')];
    const blocker = await client.run.start({
      argv: ['sh', '-c', ': > "$0"; while [ ! -e "$1" ]; do sleep 0.05; done', started, release],
    });
    await eventually(() => (existsSync(started) ? true : undefined));
    const before = openDescriptors(pid);

    // Each run appends its id to one file, so the file is the order in which they ran.
    const ranIn = join(home, 'order');
    let clock = 0;
    const starts: { runId: string; issued: number; answered: number }[] = [];
    let next = 0;
    const lane = async () => {
      while (next < QUEUED) {
        next++;
        const issued = clock++;
        const run = await client.run.start({ argv: ['sh', '-c', 'echo "$RUNYARD_RUN_ID" >> "$0"', ranIn] });
        starts.push({ runId: run.runId, issued, answered: clock++ });
        if (run.status !== 'queued') throw new Error(`run ${run.runId} is ${run.status}, not queued`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    t.equal(starts.length, QUEUED, `all ${QUEUED} run.start calls were answered`);
    t.equal((await client.run.list({ status: ['queued'], limit: 1 })).runs.length, 1, 'runs are queued');
    // A write under way holds its file for a moment; what is left once they settle is what queued runs hold.
    const settled = await eventually(() => {
      const now = openDescriptors(pid);
      return now <= before ? now : undefined;
    });
    t.ok(settled <= before, `the daemon holds ${settled} descriptors, as before the queued runs (${before})`);

    await writeFile(release, '');
    t.equal((await client.run.wait({ runId: blocker.runId, timeoutMs: 30_000 })).status, 'succeeded');
    for (const { runId } of starts) {
      const done = await client.run.wait({ runId, timeoutMs: 60_000 });
      if (done.status !== 'succeeded') t.fail(`run ${runId} ended ${done.status}`, { error: done.error });
    }
    const order = (await readFile(ranIn, 'utf8')).trim().split('\n');
    t.same([...order].sort(), starts.map((start) => start.runId).sort(), 'every queued run ran exactly once');
    // Starts in flight together may be queued in either order; a start answered before another was
    // sent is queued, and so runs, before it.
    const ranAt = new Map(order.map((runId, index) => [runId, index]));
    const inRunOrder = [...starts].sort((a, b) => ranAt.get(a.runId)! - ranAt.get(b.runId)!);
    let earliestAnswerAfter = Infinity;
    const overtaken: string[] = [];
    for (const start of inRunOrder.reverse()) {
      if (earliestAnswerAfter < start.issued) overtaken.push(start.runId);
      earliestAnswerAfter = Math.min(earliestAnswerAfter, start.answered);
    }
    t.same(overtaken, [], 'no run ran before a run whose start was answered before its own was sent');
  },
);
