// A run's ordered event log, events.jsonl: seq 1, 2, 3 ... with no gaps, appended in order.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFiles } from './run-dir.js';

export type RunEventBody =
  | { type: 'status'; status: string; reason?: string }
  | {
      type: 'attempt';
      attempt: number;
      phase: 'start' | 'end';
      pid?: number | null;
      exitCode?: number | null;
      signal?: string | null;
    };

export type RunEvent = RunEventBody & { seq: number; time: string };

export class EventLog {
  readonly #path: string;
  #seq = 0;
  // Appends are chained so that lines land in seq order even when callers do not await.
  #tail: Promise<void> = Promise.resolve();

  constructor(runDir: string) {
    this.#path = join(runDir, runFiles.events);
  }

  append(body: RunEventBody): Promise<void> {
    const event: RunEvent = { seq: ++this.#seq, time: new Date().toISOString(), ...body };
    const line = `${JSON.stringify(event)}\n`;
    this.#tail = this.#tail.then(() => appendFile(this.#path, line));
    return this.#tail;
  }
}
