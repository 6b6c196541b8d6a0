// The contract's public face: every method descriptor, in the order openrpc.json lists them.
import { daemonMethods } from './daemon.js';
import { eventMethods, notifications } from './run-event.js';
import { runMethods } from './run.js';

export const methods = [...daemonMethods, ...runMethods, ...eventMethods] as const;
export { notifications };

export { errorRegistry, RunyardError, type ErrorReason } from './errors.js';
export type { MethodDescriptor, NotificationDescriptor } from './method.js';
