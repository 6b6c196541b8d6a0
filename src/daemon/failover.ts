// What a cluster node does for the others after each heartbeat: it ends the runs of dead nodes (failover)
// and checks that no other node ended its own; and what it does when it has lost the database too long.
import type { Logger } from '../log.js';
import type { RunEngine } from '../runs/engine.js';
import type { NodeTable } from '../store/store.js';
import type { ClusterDuties } from './node-presence.js';

export function clusterDuties(nodes: NodeTable | undefined, engine: RunEngine, nodeId: string, log: Logger) {
  return {
    afterBeat: async () => {
      for (const run of (await nodes?.failOver(nodeId)) ?? [])
        log.warn('ended a run of a dead node', { ...run, reason: 'node_lost' });
      await engine.checkLeases();
    },
    cutOff: () => engine.stopForLostDatabase(),
    reconnected: () => engine.databaseBack(),
  } satisfies ClusterDuties;
}
