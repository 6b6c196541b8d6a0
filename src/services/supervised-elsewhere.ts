// The one signal of a service call this node must not answer: another live node of the cluster supervises the service.

/**
 * The service's lease is held by another live node, which answers for it: the daemon forwards the call
 * there. Never crosses the wire itself (a call that cannot reach that node is node_unavailable).
 */
export class SupervisedElsewhere extends Error {
  readonly service: string;
  readonly nodeId: string;

  constructor(service: string, nodeId: string) {
    super(`service ${service} is supervised by node ${nodeId}`);
    this.name = 'SupervisedElsewhere';
    this.service = service;
    this.nodeId = nodeId;
  }
}
