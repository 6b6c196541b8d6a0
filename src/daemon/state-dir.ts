// The state directory: private to the daemon (0700), one live daemon at a time, and this node's id.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { identify } from '../runs/process-identity.js';
import { DAEMON_FILE } from '../schema/transport.js';
import { StartFailure } from '../schema/start-failure.js';

const NODE_ID_FILE = 'node-id';

/** What daemon.json says about the process that wrote it: its pid and kernel start time. */
export function daemonIdentity(): { pid: number; startTime?: string } {
  const { startTime } = identify(process.pid)!;
  return { pid: process.pid, ...(startTime ? { startTime } : {}) };
}

/**
 * The daemon that daemon.json names, when that very process still runs. A killed daemon leaves its
 * daemon.json behind, and its pid may since belong to any other process: only one that also started at
 * the recorded kernel start time is the daemon. A daemon.json without `startTime` (an older daemon, or a
 * system without /proc) falls back to the pid alone.
 */
export async function liveDaemon(stateDir: string): Promise<{ pid: number; url?: string } | undefined> {
  let previous: { pid?: unknown; startTime?: unknown; url?: string };
  try {
    previous = JSON.parse(await readFile(join(stateDir, DAEMON_FILE), 'utf8'));
  } catch {
    return undefined; // none, or left half-written by a crash: either way not a live daemon's
  }
  const { pid, startTime } = previous;
  if (typeof pid !== 'number' || pid === process.pid) return undefined;
  const isRunning =
    typeof startTime === 'string' && startTime !== '' ? identify(pid)!.startTime === startTime : isAlive(pid);
  if (!isRunning) return undefined;
  return { pid, ...(previous.url ? { url: previous.url } : {}) };
}

/**
 * Creates the directory (0700) and returns its real path; refuses when a live daemon uses it, as a
 * second daemon on it would corrupt the first one's work.
 */
export async function prepareStateDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const stateDir = await realpath(dir);
  const live = await liveDaemon(stateDir);
  if (live) {
    throw new StartFailure(
      'state_dir_busy',
      `another runyard daemon (pid ${live.pid}, ${live.url}) uses the state directory ${stateDir}`,
    );
  }
  return stateDir;
}

// A node id is shown by daemon.info and `runyard status` and kept in the cluster's database: one may be
// chosen by hand (build-01), but only in characters that need no quoting anywhere.
const NODE_ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * This node's id, recorded on every run it creates and naming it in a cluster; created on first start,
 * so a restarted daemon is the same node. A file that holds no id is refused, never replaced: a new id
 * would make the restarted daemon a stranger to the runs and the cluster that know it by the old one.
 */
export async function loadOrCreateNodeId(stateDir: string): Promise<string> {
  const path = join(stateDir, NODE_ID_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const id = text.trim();
    if (NODE_ID_SHAPE.test(id)) return id;
    throw new StartFailure(
      'node_id_invalid',
      `${path} holds no node id (1 to 128 characters of A-Z a-z 0-9 . _ -, the first a letter or digit, ` +
        'on one line): fix it, or delete it to have a new one created',
    );
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
