// The PostgreSQL service leases: which node supervises each service, taken and checked with now(), the
// database's clock, and an epoch raised at every change of supervisor (fencing, as for runs).
import type pg from 'pg';
import { nodeIsDead } from './postgres-liveness.js';
import type { NodeLock } from './postgres-node-lock.js';
import type { HeldLease, LeaseClaim, ServiceLeaseTable } from './store.js';

/**
 * The one judgement of a supervisor here: the node `nodeId` (an SQL expression) is live when it has a row,
 * did not stop, and is not dead as failover judges it (postgres-liveness.ts; `byLock`, the placeholder of
 * the judge's NodeLock.judgesByLock()).
 */
const isLive = (nodeId: string, byLock: string) => `EXISTS (
  SELECT 1 FROM nodes n WHERE n.id = ${nodeId} AND n.stopped_at IS NULL AND NOT ${nodeIsDead('n', byLock)})`;

// One statement, so that two nodes claiming at once cannot both win: the upsert locks the row, and the
// second re-reads it (and the first one's node_id) before its WHERE decides.
const CLAIM = `
  INSERT INTO service_leases AS l (service, node_id, epoch, is_wanted) VALUES ($1, $2, 1, $3)
  ON CONFLICT (service) DO UPDATE SET node_id = $2, epoch = l.epoch + 1, is_wanted = $3, updated_at = now()
    WHERE l.node_id IS NULL OR l.node_id = $2 OR NOT ${isLive('l.node_id', '$4')}
  RETURNING epoch`;

const HOLDER = `SELECT node_id FROM service_leases l WHERE service = $1 AND ${isLive('l.node_id', '$2')}`;

const LOST = `
  SELECT h.service FROM unnest($2::text[], $3::bigint[]) AS h (service, epoch)
  WHERE NOT EXISTS (
    SELECT 1 FROM service_leases l WHERE l.service = h.service AND l.node_id = $1 AND l.epoch = h.epoch)`;

// A service whose runs still run on a live node is left alone, so that no second copy starts: the runs of
// a dead node are ended by failover (which runs first after each heartbeat), and those of a supervisor
// that handed its lease back end as it shuts down; the next pass takes it. FOR UPDATE re-reads a row
// another node changed meanwhile and checks these conditions again, and SKIP LOCKED passes over one
// another node is taking: each lease is taken once.
const TAKE_OVER = `
  WITH orphaned AS (
    SELECT l.service FROM service_leases l
    WHERE l.is_wanted AND (l.node_id IS NULL OR NOT ${isLive('l.node_id', '$2')})
      AND NOT EXISTS (
        SELECT 1 FROM runs r
        WHERE r.service_id = l.service AND r.status IN ('running', 'retrying') AND ${isLive('r.node_id', '$2')})
    ORDER BY l.service
    FOR UPDATE OF l SKIP LOCKED)
  UPDATE service_leases l SET node_id = $1, epoch = l.epoch + 1, updated_at = now()
  FROM orphaned WHERE l.service = orphaned.service
  RETURNING l.service, l.epoch`;

export class PostgresServiceLeaseTable implements ServiceLeaseTable {
  readonly #pool: pg.Pool;
  readonly #lock: NodeLock;

  constructor(pool: pg.Pool, lock: NodeLock) {
    this.#pool = pool;
    this.#lock = lock;
  }

  async claim(service: string, nodeId: string, isWanted: boolean): Promise<LeaseClaim> {
    const { rows } = await this.#pool.query<{ epoch: string }>(CLAIM, [
      service,
      nodeId,
      isWanted,
      this.#lock.judgesByLock(),
    ]);
    if (rows[0]) return { held: { service, epoch: Number(rows[0].epoch) } };
    // Refused: a live node held it a moment ago. Should it have died since, forwarding to it says so;
    // should it have handed the lease back since, the claim is made again.
    const { rows: holders } = await this.#pool.query<{ node_id: string | null }>(
      'SELECT node_id FROM service_leases WHERE service = $1',
      [service],
    );
    const holder = holders[0]?.node_id;
    return holder ? { holder } : this.claim(service, nodeId, isWanted);
  }

  async holder(service: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ node_id: string }>(HOLDER, [
      service,
      this.#lock.judgesByLock(),
    ]);
    return rows[0]?.node_id;
  }

  async lost(nodeId: string, held: readonly HeldLease[]): Promise<string[]> {
    if (held.length === 0) return [];
    const { rows } = await this.#pool.query<{ service: string }>(LOST, [
      nodeId,
      held.map((lease) => lease.service),
      held.map((lease) => lease.epoch),
    ]);
    return rows.map((row) => row.service);
  }

  async takeOver(nodeId: string): Promise<HeldLease[]> {
    const { rows } = await this.#pool.query<{ service: string; epoch: string }>(TAKE_OVER, [
      nodeId,
      this.#lock.judgesByLock(),
    ]);
    return rows.map((row) => ({ service: row.service, epoch: Number(row.epoch) }));
  }

  async release(nodeId: string): Promise<void> {
    await this.#pool.query(
      'UPDATE service_leases SET node_id = NULL, epoch = epoch + 1, updated_at = now() WHERE node_id = $1',
      [nodeId],
    );
  }
}
