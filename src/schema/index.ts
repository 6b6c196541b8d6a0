// The contract's public face: every method descriptor, in the order openrpc.json lists them.
import { actionMethods } from './action.js';
import { daemonMethods } from './daemon.js';
import { eventMethods, notifications } from './run-event.js';
import { retainedMethods } from './retained.js';
import { runMethods } from './run.js';
import { serviceMethods } from './service.js';

export const methods = [...daemonMethods, ...runMethods, ...eventMethods, ...retainedMethods, ...actionMethods, ...serviceMethods] as const;
export { notifications };

export { errorRegistry, RunyardError, type ErrorReason } from './errors.js';
export type { MethodDescriptor, NotificationDescriptor } from './method.js';
