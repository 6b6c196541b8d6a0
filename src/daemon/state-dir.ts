// The state directory: private to the daemon (0700), one live daemon at a time, and this node's id.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { DAEMON_FILE } from '../schema/transport.js';

const NODE_ID_FILE = 'node-id';

/** A state directory another live daemon uses: starting a second one, or rebuilding under it, would corrupt its work. */
export class StateDirBusyError extends Error {}

/** The daemon that daemon.json names, when that process is still alive. */
export async function liveDaemon(stateDir: string): Promise<{ pid: number; url?: string } | undefined> {
  let previous: { pid?: unknown; url?: string };
  try {
    previous = JSON.parse(await readFile(join(stateDir, DAEMON_FILE), 'utf8'));
  } catch {
    return undefined; // none, or left half-written by a crash: either way not a live daemon's
  }
  const { pid } = previous;
  if (typeof pid !== 'number' || pid === process.pid || !isAlive(pid)) return undefined;
  return { pid, ...(previous.url ? { url: previous.url } : {}) };
}

/** Creates the directory (0700) and returns its real path; refuses when a live daemon uses it. */
export async function prepareStateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const stateDir = await realpath(dir);
  const live = await liveDaemon(stateDir);
  if (live) {
    throw new StateDirBusyError(
      `another runyard daemon (pid ${live.pid}, ${live.url}) uses the state directory ${stateDir}`,
    );
  }
  return stateDir;
}

/** This installation's id, recorded on every run it indexes; created on first start. */
export async function loadOrCreateNodeId(stateDir: string): Promise<string> {
  const path = join(stateDir, NODE_ID_FILE);
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (id) return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = randomUUID();
  await writeFileAtomic(path, `${id}\n`, 0o600);
  return id;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
