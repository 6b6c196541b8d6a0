// What the multi-node tests share: a node's id, a long run on a node, and when nodes judge others by
// their node locks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { RunyardClient } from 'runyard/client';
import type { TestDaemon } from './daemon.js';
import { eventually } from './poll.js';
import { sql } from './postgres.js';

/** The node id a daemon keeps in its state directory. */
export const nodeIdOf = async (daemon: TestDaemon) =>
  (await readFile(join(daemon.stateDir, 'node-id'), 'utf8')).trim();

/**
 * Until each of these nodes has held its node lock for 10 s, after which it judges others by theirs
 * (docs/cluster.md, "Node lock"); read from the server's side, a second to spare.
 */
export const judgeByLock = (nodeIds: string[], deadlineMs = 60_000) =>
  eventually(async () => {
    const [{ judges }] = await sql<{ judges: number }>(
      `SELECT count(*)::int AS judges FROM pg_locks l JOIN pg_stat_activity a USING (pid)
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
         AND l.objid IN (SELECT hashtext(id)::oid FROM unnest($1::text[]) AS id)
         AND a.backend_start < now() - interval '11 seconds'`,
      [nodeIds],
    );
    return judges === nodeIds.length ? true : undefined;
  }, deadlineMs);

/**
 * Starts `sleep 600` and waits until the database records its process running in `schema`; the
 * process group is killed with the test.
 */
export async function startLongRun(t: Test, client: RunyardClient, schema: string) {
  const { runId } = await client.run.start({ argv: ['sleep', '600'] });
  const pid = await eventually(async () => {
    const [row] = await sql<{ process_pid: number | null }>(
      `SELECT process_pid FROM ${schema}.runs WHERE id = $1 AND status = 'running'`,
      [runId],
    );
    return row?.process_pid ?? undefined;
  });
  t.teardown(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already, as it should be
    }
  });
  return { runId, pid };
}
