// The one error of a fenced write: the node no longer holds the run it wrote (another node ended it).

/**
 * A write of a run matched no row with this node's id and the epoch of its claim: another node has
 * ended the run since (failover raised its epoch), so this node must write nothing more about it.
 * Never crosses the wire: the engine handles it (the run's process is stopped, its directory made to
 * agree with the database).
 */
export class LeaseLostError extends Error {
  readonly runId: string;
  readonly nodeId: string;
  /** The epoch this node held the run at; null when it never held it (no claim of it in this process). */
  readonly epoch: number | null;

  constructor(runId: string, nodeId: string, epoch: number | null) {
    super(`node ${nodeId} no longer holds run ${runId} (epoch ${epoch ?? 'none'})`);
    this.name = 'LeaseLostError';
    this.runId = runId;
    this.nodeId = nodeId;
    this.epoch = epoch;
  }
}

export const isLeaseLost = (error: unknown): error is LeaseLostError => error instanceof LeaseLostError;
