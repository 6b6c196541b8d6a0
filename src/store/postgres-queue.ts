// The cluster's shared queue in PostgreSQL: runs no node holds yet (node_id NULL), claimed with FOR UPDATE
// SKIP LOCKED so that nodes claiming at once never wait for each other nor take one run twice, and a
// NOTIFY on the schema's own channel that wakes the nodes when a run joins it.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { NodeLock } from './postgres-node-lock.js';
import {
  positions,
  rowOf,
  STORED,
  storedRunOf,
  type PostgresRunTable,
  type RunRow,
} from './postgres-runs.js';
import type { QueueTable, StoredRun } from './store.js';

/** The rows of runs that wait in the queue, as `alias` names the table. */
const waiting = (alias = 'runs') => `${alias}.status = 'queued' AND ${alias}.node_id IS NULL`;
// A claim gives the run to this node ($1) at a new epoch; its record says so at once, so that whoever
// reads it looks for its events there, though its run directory is made only after.
const CLAIM = `UPDATE runs SET node_id = $1, epoch = epoch + 1, updated_at = $2,
  record = (record::jsonb || jsonb_build_object('nodeId', $1::text))::text`;

/** What hands a claimed run back to the queue: no node's again, at a new epoch, as it was accepted. */
export const UNCLAIM = `node_id = NULL, epoch = epoch + 1, run_dir = '',
  record = (record::jsonb - 'nodeId' || '{"runDir": "", "cwd": ""}'::jsonb)::text`;

/**
 * A channel of a schema (`queue`, `status`): one per schema, as each schema is a cluster of its own. A
 * hash keeps it within the 63 bytes of an identifier whatever the schema's name.
 */
export const channelOf = (name: string, schema: string) =>
  `runyard_${name}_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;

export class PostgresQueueTable implements QueueTable {
  readonly #pool: pg.Pool;
  readonly #nodeId: string;
  readonly #runs: PostgresRunTable;
  readonly #lock: NodeLock;
  readonly #channel: string;

  /** Claimed runs are held in `runs`, whose fenced writes they get; `lock`'s session listens. */
  constructor(pool: pg.Pool, nodeId: string, runs: PostgresRunTable, lock: NodeLock, schema: string) {
    this.#pool = pool;
    this.#nodeId = nodeId;
    this.#runs = runs;
    this.#lock = lock;
    this.#channel = channelOf('queue', schema);
  }

  // The count and the insert are one statement, not one transaction at SERIALIZABLE: two nodes adding at
  // once may both pass the limit's last place, which overshoots it by a run or two, never by more.
  async enqueue(run: StoredRun, maxQueued: number): Promise<boolean> {
    const columns = { ...rowOf(run, null), epoch: 0 };
    const names = Object.keys(columns);
    const { rows } = await this.#pool.query(
      `WITH added AS (
         INSERT INTO runs (${names.join(', ')})
         SELECT ${positions(names.length).join(', ')}
         WHERE (SELECT count(*) FROM runs WHERE ${waiting()}) < $${names.length + 1}
         RETURNING id)
       SELECT pg_notify($${names.length + 2}, '') FROM added`,
      [...Object.values(columns), maxQueued, this.#channel],
    );
    return rows.length === 1;
  }

  async claim(count: number): Promise<StoredRun[]> {
    if (count <= 0) return [];
    return this.#claimed(
      `${CLAIM} WHERE id IN (
         SELECT id FROM runs WHERE ${waiting()} ORDER BY priority DESC, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${STORED}`,
      [count],
    );
  }

  // No SKIP LOCKED: a claim of this very run under way elsewhere is waited for, and then it is that one's.
  async claimRun(runId: string): Promise<StoredRun | undefined> {
    return (await this.#claimed(`${CLAIM} WHERE id = $3 AND ${waiting()} RETURNING ${STORED}`, [runId]))[0];
  }

  // The run as it was accepted, no node's: its directory (made or half made) is its claimer's to delete.
  async release(runId: string): Promise<void> {
    const epoch = this.#runs.epochOf(runId);
    this.#runs.hold(runId, undefined);
    if (epoch === undefined) return;
    await this.#pool.query(
      `WITH released AS (
         UPDATE runs SET ${UNCLAIM}, updated_at = $4
         WHERE id = $1 AND node_id = $2 AND epoch = $3 AND status = 'queued' RETURNING id)
       SELECT pg_notify($5, '') FROM released`,
      [runId, this.#nodeId, epoch, new Date().toISOString(), this.#channel],
    );
  }

  async waiting(runIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.#pool.query<{ id: string }>(
      `SELECT id FROM runs WHERE id = ANY($1::text[]) AND status = 'queued' AND run_dir = ''`,
      [runIds],
    );
    return new Set(rows.map((row) => row.id));
  }

  async positions(runIds: readonly string[]): Promise<Map<string, number>> {
    if (runIds.length === 0) return new Map();
    const { rows } = await this.#pool.query<{ id: string; position: number }>(
      `SELECT r.id, 1 + (
         SELECT count(*) FROM runs q WHERE ${waiting('q')}
           AND (q.priority > r.priority OR (q.priority = r.priority AND q.id < r.id)))::int AS position
       FROM runs r WHERE r.id = ANY($1::text[]) AND ${waiting('r')}`,
      [runIds],
    );
    return new Map(rows.map((row) => [row.id, row.position]));
  }

  onQueued(wake: () => void): void {
    this.#lock.listen(this.#channel, wake);
  }

  async #claimed(sql: string, params: unknown[]): Promise<StoredRun[]> {
    const { rows } = await this.#pool.query<RunRow>(sql, [this.#nodeId, new Date().toISOString(), ...params]);
    const claimed = rows.map(storedRunOf);
    for (const { run, epoch } of claimed) this.#runs.hold(run.record.runId, epoch);
    // RETURNING keeps no order: the queue's is restored, so that the highest priority starts first.
    return claimed
      .map(({ run }) => run)
      .sort((a, b) => b.record.priority - a.record.priority || (a.record.runId < b.record.runId ? -1 : 1));
  }
}
