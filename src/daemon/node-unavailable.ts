// The error of a call this node forwards (or would) to another node that cannot answer it: node_unavailable.
import { RunyardError } from '../schema/errors.js';

/** A run of another node, as a forwarded call names it. */
export interface RunOwner {
  runId: string;
  nodeId: string;
}

/** A service another node supervises (holds the lease of), as a forwarded call names it. */
export interface ServiceOwner {
  service: string;
  nodeId: string;
}

/** What a forwarded call is about, and so what node_unavailable names. */
export type Owner = RunOwner | ServiceOwner;

/** node_unavailable about `owner`'s node: the run or service, the node, its URL, and why. */
export const nodeUnavailable = (owner: Owner, url: string, cause: string) =>
  new RunyardError('node_unavailable', {
    subject: 'runId' in owner ? `run ${owner.runId}` : `service ${owner.service}`,
    ...owner,
    url,
    cause,
  });
