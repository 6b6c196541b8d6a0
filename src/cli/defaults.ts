// Where the CLI looks when no flag says: the state and runs directories, their environment variables, the state files.
import { dirname, join } from 'node:path';
import { findStateDir } from '../client/state-dir.js';
import { DEFAULT_RUNS_DIR, DEFAULT_STATE_DIR, RUNS_DIR_ENV, STATE_DIR_ENV } from '../schema/transport.js';

export {
  DAEMON_FILE,
  DEFAULT_RUNS_DIR,
  DEFAULT_STATE_DIR,
  RUNS_DIR_ENV,
  STATE_DIR_ENV,
  TOKEN_FILE,
} from '../schema/transport.js';

/** Where a directory comes from without its flag, as the help of every command says it. */
export const STATE_DIR_HELP = `env ${STATE_DIR_ENV}; default: the nearest ${DEFAULT_STATE_DIR} here or above`;
export const RUNS_DIR_HELP = `env ${RUNS_DIR_ENV}; default: ${DEFAULT_RUNS_DIR} beside the nearest ${DEFAULT_STATE_DIR}, else ./${DEFAULT_RUNS_DIR}`;

/**
 * The project directory: the nearest directory, from the working directory up, that holds a
 * `.runyard` directory (as git finds `.git`); `.` when none does, so that a first `runyard serve`
 * creates its state where it was started.
 */
export async function findProjectDir(): Promise<string> {
  const stateDir = await findStateDir(process.cwd());
  return stateDir === undefined ? '.' : dirname(stateDir);
}

/** The state directory: `--state-dir`, else RUNYARD_STATE_DIR, else serve's config file, else `<project>/.runyard`. */
export function stateDirFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  project = '.',
  file?: string,
): string {
  return flag ?? env[STATE_DIR_ENV] ?? file ?? join(project, DEFAULT_STATE_DIR);
}

/** The runs directory: `--runs-dir`, else RUNYARD_RUNS_DIR, else serve's config file, else `<project>/runs`. */
export function runsDirFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  project = '.',
  file?: string,
): string {
  return flag ?? env[RUNS_DIR_ENV] ?? file ?? join(project, DEFAULT_RUNS_DIR);
}
