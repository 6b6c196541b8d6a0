// Handlers of daemon.*.
import type { DaemonInfo } from '../../schema/daemon.js';
import type { GroupHandlers } from './types.js';

export const daemonHandlers = (info: () => DaemonInfo): GroupHandlers<'daemon'> => ({
  'daemon.info': async () => info(),
});
