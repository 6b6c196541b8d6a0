// Failover in PostgreSQL: ending the running and retrying runs of dead nodes, each by exactly one live node.
import type pg from 'pg';
import type { AttemptRecord } from '../schema/run-dir.js';
import type { RunRecord } from '../schema/run.js';
import { nodeIsDead } from './postgres-liveness.js';
import { UNCLAIM } from './postgres-queue.js';
import type { FailedOverRun } from './store.js';

interface OrphanRow {
  id: string;
  epoch: string;
  node_id: string;
  record: string;
  attempts: AttemptRecord[];
  heartbeat_at: Date;
  now: Date;
}

// Queued runs are not taken: they wait for their node (its run directory holds their plan). A node
// judges others only, never itself: a node that runs this has just beaten.
const ORPHANS = `
  SELECT r.id, r.epoch, r.node_id, r.record, r.attempts, n.heartbeat_at, now() AS now
  FROM runs r JOIN nodes n ON n.id = r.node_id
  WHERE r.status IN ('running', 'retrying') AND r.node_id <> $1
    AND ${nodeIsDead('n', '$2')}
  ORDER BY r.id
  FOR UPDATE OF r SKIP LOCKED`;

// The status and epoch conditions make the update a no-op for a row someone changed since it was
// read; the row lock taken above already keeps any other reaper off it until this one commits.
// A run a dead node claimed from the shared queue and had not made yet (no run directory recorded) goes
// back to the queue, for any node: nothing of it is on the dead node's disk that it would miss.
const UNMADE = `
  UPDATE runs SET ${UNCLAIM}, updated_at = $3
  WHERE status = 'queued' AND run_dir = '' AND node_id <> $1
    AND node_id IN (SELECT n.id FROM nodes n WHERE ${nodeIsDead('n', '$2')})`;

const END = `
  UPDATE runs SET status = 'interrupted', record = $3, attempts = $4, error_code = 'node_lost',
    error_message = $5, finished_at = $6, updated_at = $6, epoch = epoch + 1
  WHERE id = $1 AND epoch = $2 AND status IN ('running', 'retrying')`;

/**
 * In one transaction: locks the unfinished runs of dead nodes that no other reaper holds (SKIP LOCKED),
 * ends each interrupted with reason node_lost, its record and attempts as the columns say, and raises
 * its epoch, which fences off the node if it was only paused; and hands the runs they had claimed and
 * not made back to the shared queue. Returns the runs it ended.
 */
export async function failOver(pool: pg.Pool, nodeId: string, byLock: boolean): Promise<FailedOverRun[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<OrphanRow>(ORPHANS, [nodeId, byLock]);
    const ended: FailedOverRun[] = [];
    for (const row of rows) {
      const lastHeartbeatAt = row.heartbeat_at.toISOString();
      // The database's clock, as the judgement was.
      const finishedAt = row.now.toISOString();
      const message = `node ${row.node_id} stopped answering; its last heartbeat was at ${lastHeartbeatAt}`;
      const record: RunRecord = {
        ...(JSON.parse(row.record) as RunRecord),
        status: 'interrupted',
        error: { reason: 'node_lost', message },
        finishedAt,
        nextAttemptAt: null,
        queuePosition: null,
      };
      const attempts = row.attempts.map((attempt) =>
        attempt.finishedAt === null ? { ...attempt, finishedAt, outcome: 'interrupted' as const } : attempt,
      );
      const { rowCount } = await client.query(END, [
        row.id,
        row.epoch,
        JSON.stringify(record),
        JSON.stringify(attempts),
        message,
        finishedAt,
      ]);
      if (rowCount === 1) ended.push({ runId: row.id, nodeId: row.node_id, lastHeartbeatAt });
    }
    await client.query(UNMADE, [nodeId, byLock, new Date().toISOString()]);
    await client.query('COMMIT');
    return ended;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
