// What a cluster node does for the others after each heartbeat: it ends the runs of dead nodes (failover),
// checks that no other node ended its runs or took its services, and takes the services of dead nodes;
// and what it does when it has lost the database too long.
import type { Logger } from '../log.js';
import type { RunEngine } from '../runs/engine.js';
import type { ServiceManager } from '../services/manager.js';
import type { NodeTable } from '../store/store.js';
import type { ClusterDuties } from './node-presence.js';

export function clusterDuties(
  nodes: NodeTable | undefined,
  engine: RunEngine,
  services: ServiceManager,
  nodeId: string,
  log: Logger,
) {
  return {
    afterBeat: async () => {
      for (const run of (await nodes?.failOver(nodeId)) ?? [])
        log.warn('ended a run of a dead node', { ...run, reason: 'node_lost' });
      // A service lost before its runs: no restart policy answers the ends of the runs stopped below.
      await services.checkLeases();
      await engine.checkLeases();
      // After failover, so that a dead supervisor's runs are ended before another node starts the service.
      await services.takeOver();
    },
    cutOff: () => engine.stopForLostDatabase(),
    reconnected: () => engine.databaseBack(),
  } satisfies ClusterDuties;
}
