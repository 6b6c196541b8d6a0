// The PostgreSQL node table: one row a node of the cluster, its heartbeat written and judged with now(),
// the database's clock, the one clock every node shares.
import type pg from 'pg';
import type { ClusterNode, NodeState } from '../schema/daemon.js';
import { failOver } from './postgres-failover.js';
import { nodeIsDead } from './postgres-liveness.js';
import type { ProbeQuery } from './postgres-health.js';
import type { NodeLock } from './postgres-node-lock.js';
import type { FailedOverRun, NodeAdvert, NodeTable } from './store.js';

interface NodeRow {
  id: string;
  url: string;
  version: string;
  state: NodeState;
  started_at: Date;
  heartbeat_at: Date;
}

export class PostgresNodeTable implements NodeTable {
  readonly #pool: pg.Pool;
  readonly #probe: ProbeQuery;
  readonly #lock: NodeLock;

  /** `probe`: the heartbeat's way to the database, which no backoff holds back (postgres-health.ts). */
  constructor(pool: pg.Pool, probe: ProbeQuery, lock: NodeLock) {
    this.#pool = pool;
    this.#probe = probe;
    this.#lock = lock;
  }

  async register({ nodeId, url, version }: NodeAdvert): Promise<void> {
    this.#lock.start();
    await this.#pool.query(
      `INSERT INTO nodes (id, url, version, started_at, heartbeat_at) VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (id) DO UPDATE SET url = $2, version = $3, started_at = now(), heartbeat_at = now(),
         stopped_at = NULL`,
      [nodeId, url, version],
    );
  }

  async heartbeat(nodeId: string): Promise<boolean> {
    const { rowCount } = await this.#probe('UPDATE nodes SET heartbeat_at = now() WHERE id = $1', [nodeId]);
    return rowCount === 1;
  }

  async stop(nodeId: string): Promise<void> {
    await this.#pool.query('UPDATE nodes SET heartbeat_at = now(), stopped_at = now() WHERE id = $1', [
      nodeId,
    ]);
    // Stopped before its lock goes, so that no one judges it dead in between.
    await this.#lock.close();
  }

  async settleToken(candidate: string): Promise<string> {
    // Read back rather than RETURNING: a conflict returns no row, and the row read is the one that won.
    await this.#pool.query('INSERT INTO cluster (token) VALUES ($1) ON CONFLICT (id) DO NOTHING', [
      candidate,
    ]);
    const { rows } = await this.#pool.query<{ token: string }>('SELECT token FROM cluster');
    return rows[0]!.token;
  }

  async list(): Promise<ClusterNode[]> {
    const { rows } = await this.#pool.query<NodeRow>(
      `SELECT id, url, version, started_at, heartbeat_at,
         CASE WHEN stopped_at IS NOT NULL THEN 'stopped'
              WHEN ${nodeIsDead('nodes', '$1')} THEN 'dead'
              ELSE 'alive' END AS state
       FROM nodes ORDER BY id`,
      [this.#lock.judgesByLock()],
    );
    return rows.map((row) => ({
      nodeId: row.id,
      url: row.url,
      version: row.version,
      state: row.state,
      startedAt: row.started_at.toISOString(),
      lastHeartbeatAt: row.heartbeat_at.toISOString(),
    }));
  }

  failOver(nodeId: string): Promise<FailedOverRun[]> {
    return failOver(this.#pool, nodeId, this.#lock.judgesByLock());
  }
}
