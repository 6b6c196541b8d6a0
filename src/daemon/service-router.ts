// Where a call about one service is answered: here, or at the node of the cluster that supervises it (holds
// its lease), over the peer connections. Without a cluster (SQLite, memory), always here.
import { SupervisedElsewhere } from '../services/supervised-elsewhere.js';
import type { CallContext } from './methods/types.js';
import { nodeUnavailable } from './node-unavailable.js';
import type { Peers } from './peers.js';

export class ServiceRouter {
  readonly #peers: Peers | undefined;

  constructor(peers: Peers | undefined) {
    this.#peers = peers;
  }

  /**
   * `local()`, unless it finds another live node supervising the service: then the same call, its params
   * as they are, at that node. A call forwarded here is never forwarded on.
   */
  async route<T>(
    method: string,
    params: { name: string },
    call: CallContext,
    local: () => Promise<T>,
  ): Promise<T> {
    try {
      return await local();
    } catch (error) {
      if (!(error instanceof SupervisedElsewhere)) throw error;
      const owner = { service: error.service, nodeId: error.nodeId };
      if (!this.#peers || call.isForwarded)
        throw nodeUnavailable(
          owner,
          'unknown',
          'the service moved to it while the call was forwarded; call again',
        );
      return (await this.#peers.call(owner, method, params)) as T;
    }
  }
}
