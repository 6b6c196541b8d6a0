// Where the CLI looks when no flag says: the state and runs directories, their environment variables, the state files.
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
export const STATE_DIR_HELP = `env ${STATE_DIR_ENV}; default ./${DEFAULT_STATE_DIR}`;
export const RUNS_DIR_HELP = `env ${RUNS_DIR_ENV}; default ./${DEFAULT_RUNS_DIR}`;

/** The state directory: `--state-dir`, else RUNYARD_STATE_DIR, else `.runyard`. */
export function stateDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env[STATE_DIR_ENV] ?? DEFAULT_STATE_DIR;
}

/** The runs directory: `--runs-dir`, else RUNYARD_RUNS_DIR, else `runs`. */
export function runsDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env[RUNS_DIR_ENV] ?? DEFAULT_RUNS_DIR;
}
