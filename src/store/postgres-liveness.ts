// When a node of the cluster is dead, as SQL over its row in `nodes`: the one judgement that failover,
// the node list and whatever else must agree on. By the database's clock, never a node's.
import { NODE_DEAD_AFTER_S, NODE_DEAD_UNLOCKED_AFTER_S } from '../schema/daemon.js';
import { nodeLockKeys } from './postgres-node-lock.js';

/**
 * SQL, true when the node of row `node` is dead: its heartbeat is older than NODE_DEAD_AFTER_S; or,
 * when `byLock` (an SQL boolean) is true, older than NODE_DEAD_UNLOCKED_AFTER_S while no connection
 * holds its node lock (its process died). The judge passes `byLock` true only once it has held its own
 * lock for NODE_DEAD_AFTER_S: a database that restarted has dropped every lock at once, and until the
 * live nodes have taken theirs again, a free lock says nothing.
 */
export function nodeIsDead(node: string, byLock: string): string {
  const { schemaKey, nodeKey } = nodeLockKeys(`${node}.id`);
  // pg_locks shows the two int4 keys of an advisory lock as the oids classid and objid, objsubid 2.
  return `(
    ${node}.heartbeat_at < now() - make_interval(secs => ${NODE_DEAD_AFTER_S})
    OR ((${byLock})::boolean AND ${node}.heartbeat_at < now() - make_interval(secs => ${NODE_DEAD_UNLOCKED_AFTER_S})
      AND NOT EXISTS (
        SELECT FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ${schemaKey}::oid AND l.objid = ${nodeKey}::oid)))`;
}
