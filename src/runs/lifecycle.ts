// The run state machine: which status may follow which. An illegal transition is a bug and throws.
import type { RunStatus } from '../schema/run.js';

const transitions: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'cancelled', 'interrupted'],
  running: ['succeeded', 'failed', 'timed_out', 'cancelled', 'retrying', 'interrupted'],
  retrying: ['running', 'cancelled', 'interrupted'],
  succeeded: [],
  failed: [],
  timed_out: [],
  cancelled: [],
  interrupted: [],
};

export const isTerminal = (status: RunStatus): boolean => transitions[status].length === 0;

export function assertTransition(from: RunStatus, to: RunStatus): void {
  if (!transitions[from].includes(to)) throw new Error(`illegal run transition ${from} -> ${to}`);
}
