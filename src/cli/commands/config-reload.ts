// `runyard config reload`: the daemon reads its config file again (daemon.reloadConfig, as SIGHUP does).
import type { ConfigReload } from '../../client/index.js';
import { clientOptions } from '../client-options.js';
import { oneCallCommand } from './one-call.js';

export const declaration = { options: clientOptions, positionals: [] } as const;

const HELP = `Usage: runyard config reload [options]

Asks the daemon to read its config file again, as SIGHUP does, and prints what changed: the actions
and services added, updated (a running service restarts with its new definition) and removed (a
service is stopped first), and the daemon settings applied at once (log.level, allowOrigins,
retention, maxInFlight, maxConnectionsPerPeer) or waiting for the next start (the others). An invalid file changes nothing: the daemon
goes on as it was and the command exits 1 with the file's problems. --json prints the answer.`;

export const configReload = oneCallCommand<ConfigReload>({
  help: HELP,
  declaration,
  call: (client) => client.daemon.reloadConfig(),
  format: formatReload,
});

export function formatReload(reload: ConfigReload): string {
  const lines = [`reloaded ${reload.file}`];
  for (const kind of ['actions', 'services'] as const) {
    for (const change of ['added', 'updated', 'removed'] as const) {
      const names = reload[kind][change];
      if (names.length > 0) lines.push(`  ${kind} ${change}: ${names.join(', ')}`);
    }
  }
  if (reload.applied.length > 0) lines.push(`  settings applied: ${reload.applied.join(', ')}`);
  if (reload.restartRequired.length > 0)
    lines.push(`  settings that take effect at the next start: ${reload.restartRequired.join(', ')}`);
  if (lines.length === 1) lines.push('  nothing changed');
  return `${lines.join('\n')}\n`;
}
