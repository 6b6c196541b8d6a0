// The PostgreSQL store: the index in a schema of a PostgreSQL database, on a pool of connections, shared by
// the nodes of a cluster, whose writes of a run are fenced by its `epoch` (postgres-runs.ts); a database
// that stops answering makes calls fail fast (postgres-health.ts).
import pg from 'pg';
import type { Logger } from '../log.js';
import type { Action } from '../schema/action.js';
import type { Service } from '../schema/service.js';
import { StartFailure } from '../schema/start-failure.js';
import { PostgresDefinitionTable } from './postgres-definitions.js';
import { DatabaseHealth, UNREACHABLE_CODES, type ProbeQuery } from './postgres-health.js';
import { migrate } from './postgres-migrations.js';
import { NodeLock } from './postgres-node-lock.js';
import { PostgresNodeTable } from './postgres-nodes.js';
import { PostgresQueueTable } from './postgres-queue.js';
import { PostgresRetainedTable } from './postgres-retained.js';
import { PostgresRunTable } from './postgres-runs.js';
import { PostgresServiceLeaseTable } from './postgres-service-leases.js';
import { PostgresStatusFeed } from './postgres-status-feed.js';
import type { PostgresTarget } from './postgres-url.js';
import type { Store } from './store.js';

// A host that drops packets would otherwise hold the start for the kernel's TCP timeout, minutes.
const CONNECT_TIMEOUT_MS = 10_000;

export class PostgresStore implements Store {
  readonly runs: PostgresRunTable;
  readonly actions: PostgresDefinitionTable<Action>;
  readonly services: PostgresDefinitionTable<Service>;
  readonly nodes: PostgresNodeTable;
  readonly retained: PostgresRetainedTable;
  readonly serviceLeases: PostgresServiceLeaseTable;
  readonly queue: PostgresQueueTable;
  readonly statusFeed: PostgresStatusFeed;
  readonly #pool: pg.Pool;
  readonly #lock: NodeLock;

  private constructor(
    pool: pg.Pool,
    probe: ProbeQuery,
    lock: NodeLock,
    nodeId: string,
    schema: string,
    log: Logger,
  ) {
    this.#pool = pool;
    this.#lock = lock;
    this.runs = new PostgresRunTable(pool, nodeId);
    this.actions = new PostgresDefinitionTable<Action>(pool, 'actions');
    this.services = new PostgresDefinitionTable<Service>(pool, 'services');
    this.nodes = new PostgresNodeTable(pool, probe, lock);
    this.retained = new PostgresRetainedTable(pool, nodeId);
    this.serviceLeases = new PostgresServiceLeaseTable(pool, lock);
    this.queue = new PostgresQueueTable(pool, nodeId, this.runs, lock, schema);
    this.statusFeed = new PostgresStatusFeed(pool, lock, nodeId, schema, log);
  }

  /**
   * Connects, creates the schema if it is missing and migrates it. What stops that is a StartFailure
   * naming the server, and leaves nothing open and nothing half-migrated.
   */
  static async open(target: PostgresTarget, nodeId: string, log: Logger): Promise<PostgresStore> {
    const connection = {
      connectionString: target.connectionString,
      // Every connection works in the URL's schema.
      options: `-c search_path=${target.schema}`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    };
    const pool = new pg.Pool(connection);
    // An idle connection the server closed is dropped by the pool; the next query opens another.
    pool.on('error', () => {});
    try {
      const client = await pool.connect().catch((error: unknown) => {
        throw startFailure(error, target);
      });
      try {
        await migrate(client, target.schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    // From here on a database that stops answering makes calls fail fast with store_unavailable.
    const lock = new NodeLock(connection, nodeId, log);
    const guarded = new DatabaseHealth(serverOf(target), log).wrap(pool);
    return new PostgresStore(guarded.pool, guarded.probe, lock, nodeId, target.schema, log);
  }

  async close(): Promise<void> {
    await this.#lock.close();
    if (!this.#pool.ended) await this.#pool.end();
  }
}

const serverOf = (target: PostgresTarget) => `PostgreSQL at ${target.host}:${target.port}`;

/** Why a first connection failed, as the reason `serve --json` reports; anything else stays as it is. */
function startFailure(error: unknown, target: PostgresTarget): unknown {
  const { code, message } = error as { code?: string; message?: string };
  const server = serverOf(target);
  if (UNREACHABLE_CODES.includes(code ?? '') || /timeout/i.test(message ?? ''))
    return new StartFailure(
      'store_unreachable',
      `cannot reach ${server} (${code ?? message}): start it, or give --store the URL of a server that runs`,
    );
  // 28P01: a wrong password; 28000: no such role, or pg_hba.conf admits no such connection.
  if (code === '28P01' || code === '28000')
    return new StartFailure(
      'store_auth_failed',
      `${server} refused user "${target.user}": ${message}. Check the user and password of --store`,
    );
  if (code === '3D000')
    return new StartFailure(
      'store_database_missing',
      `${server} has no database "${target.database}": create it (createdb ${target.database}), or name ` +
        'another in --store',
    );
  return error;
}
