// What a run inherits from the daemon's environment: everything but the credentials of the daemon's caller.
import { CREDENTIAL_ENV_NAMES } from './transport.js';

/**
 * The daemon's environment without RUNYARD_TOKEN and RUNYARD_URL, as the base of a run's environment;
 * a run that needs them names them in its own `env`. A token in every run's environment ends up in
 * whatever prints the environment (build logs, crash reports), and run directories are readable by
 * other local users under the common umask 022. RUNYARD_URL goes with it, as the other half of the
 * same credential: left alone it would send a run's SDK to whatever daemon the caller's shell named,
 * with the token of another state directory.
 * RUNYARD_STATE_DIR, RUNYARD_RUNS_DIR and RUNYARD_LISTEN stay: they name directories and an address,
 * not secrets (the token file itself is mode 0600, and a run runs as the user who owns it).
 */
export function withoutDaemonCredentials(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const inherited = { ...env };
  for (const name of CREDENTIAL_ENV_NAMES) delete inherited[name];
  return inherited;
}
