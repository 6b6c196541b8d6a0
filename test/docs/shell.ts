// Running a doc's shell recipe as a user would: `runyard` on PATH, a command's whole outcome, and no
// daemon left behind when the recipe fails half-way.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import type { Test } from 'tap';
import { CLI, withoutRunyardVariables } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

/** A command's outcome, whatever its exit code; `cwd` is where it runs. */
export function outcomeOf(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, cwd, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** A `runyard` on PATH that runs this checkout's build, and `node` beside it, as an install provides. */
export async function runyardOnPath(t: Test): Promise<NodeJS.ProcessEnv> {
  const home = await tempDir(t, 'deploy-home');
  const bin = join(home, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'runyard'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  await chmod(join(bin, 'runyard'), 0o755);
  return {
    ...withoutRunyardVariables(process.env),
    HOME: home,
    PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter),
  };
}

/** Kills the daemon a failed recipe may have left, found as the doc finds it. */
export function killLeftover(t: Test, stateDir: string) {
  t.teardown(async () => {
    const json = await readFile(join(stateDir, 'daemon.json'), 'utf8').catch(() => undefined);
    if (!json) return;
    try {
      process.kill((JSON.parse(json) as { pid: number }).pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // it had exited after all
    }
  });
}
