// What the multi-node tests share: a node's id, and when nodes judge others by their node locks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
