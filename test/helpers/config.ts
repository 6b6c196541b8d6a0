// Config files in tests: written as JSON, a daemon started from one, the CLI run to its end.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Test } from 'tap';
import { CLI, startDaemon, withoutRunyardVariables } from './daemon.js';
import { tempDir } from './fs.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end; a non-zero exit is an outcome here, not a failure of the test. */
export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
  timeout = 0,
): Promise<Ran> {
  return promisify(execFile)(process.execPath, [CLI, ...args], {
    env: { ...withoutRunyardVariables(process.env), ...env },
    cwd,
    timeout,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Ran) => error,
  );
}

export const writeConfig = (path: string, config: unknown) =>
  writeFile(path, JSON.stringify(config, null, 2));

/** A daemon started from a config file that chooses its own directories, beside the file. */
export async function fromFile(t: Test, config: object, env: NodeJS.ProcessEnv = {}) {
  const dir = await tempDir(t, 'config');
  const file = join(dir, 'runyard.json');
  const daemon = {
    runsDir: 'runs',
    stateDir: 'state',
    ...('daemon' in config ? (config.daemon as object) : {}),
  };
  await writeConfig(file, { ...config, daemon });
  const cwd = join(dir, 'elsewhere');
  await mkdir(cwd);
  const started = await startDaemon(t, { cwd, stateDir: join(dir, 'state'), args: ['--config', file], env });
  return { dir, file, daemon: started, env: { RUNYARD_STATE_DIR: started.stateDir } };
}
