// Handlers of daemon.*.
import type { DaemonInfo, DashboardLogin } from '../../schema/daemon.js';
import type { ConfigReloader } from '../reload.js';
import type { GroupHandlers } from './types.js';

export const daemonHandlers = (
  info: () => Promise<DaemonInfo>,
  reloader: ConfigReloader,
  dashboardLogin: () => DashboardLogin,
): GroupHandlers<'daemon'> => ({
  'daemon.info': () => info(),
  'daemon.reloadConfig': () => reloader.reload(),
  'daemon.dashboardLogin': async () => dashboardLogin(),
});
