// The contract's public face: every method descriptor, in the order openrpc.json lists them.
import { daemonMethods } from './daemon.js';
import { runMethods } from './run.js';

export const methods = [...daemonMethods, ...runMethods] as const;

export { errorRegistry, RunyardError, type ErrorReason } from './errors.js';
export type { MethodDescriptor } from './method.js';
