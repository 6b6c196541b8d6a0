// Naming a process for good (pid plus kernel start time) and stopping a group a crashed daemon left behind.
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcessIdentity } from '../store/store.js';

/** The start time of a process in clock ticks since boot, from /proc; undefined where there is none. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function identify(pid: number | undefined): ProcessIdentity | null {
  if (pid === undefined) return null;
  return { pid, startTime: startTimeOf(pid) ?? '' };
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process group led by this identity may still hold our processes. The leader must be
 * the very process we started (same start time), or gone while its group lives on: Linux never hands
 * out a pid that is still some group's id, so such a group can only be ours.
 */
export function isOurGroupAlive(identity: ProcessIdentity): boolean {
  if (!groupExists(identity.pid)) return false;
  const now = startTimeOf(identity.pid);
  if (now === undefined) return true;
  return identity.startTime !== '' && now === identity.startTime;
}

/** SIGTERM to the group, then SIGKILL after the grace period if anything is left. */
export async function terminateGroup(identity: ProcessIdentity, graceMs: number): Promise<void> {
  if (!isOurGroupAlive(identity)) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-identity.pid, name);
    } catch {
      // gone between the check and the signal: nothing left to stop
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupExists(identity.pid))
    await new Promise((resolve) => setTimeout(resolve, 25));
  if (groupExists(identity.pid)) signal('SIGKILL');
}

/**
 * Every process that still carries RUNYARD_RUN_ID=<runId> in its environment: what a run left
 * behind after its process group is gone (a daemon started with setsid, a double fork). Only
 * processes of our own user are readable, which are the only ones a run can have started.
 */
export function processesOfRun(runId: string): number[] {
  const marker = Buffer.from(`\0RUNYARD_RUN_ID=${runId}\0`);
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      // A leading NUL so the first variable matches like the others.
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]);
      if (environ.includes(marker)) found.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** SIGKILL to each of `pids`; those already gone are passed over. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}
