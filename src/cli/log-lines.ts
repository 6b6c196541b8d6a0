// A run's output as whole lines, for `run logs --stream both|--timestamps|--tail` and `runyard logs`:
// each line marked with its stream, its run's name and the time it was written, read from the run's
// event log (output events carry seq, stream and time), so the order of the two streams is the run's own.
import type { RunEvent, RunyardClient } from '../client/index.js';

type OutputEvent = Extract<RunEvent, { type: 'output' }>;
export type OutputStream = OutputEvent['stream'];

export interface LineMarks {
  /** `out | ` or `err | ` before each line: the two streams merged. */
  stream: boolean;
  /** The time of the output event that ended the line (ISO 8601, UTC) before it. */
  timestamps: boolean;
  /** This name and ` | ` before each line: the action a line came from, in `runyard logs SERVICE`. */
  name?: string | undefined;
}

const STREAM_MARKS: Record<OutputStream, string> = { stdout: 'out | ', stderr: 'err | ' };

/** Turns output events into marked lines; text after a stream's last newline waits for the rest of its line. */
export class LineFormatter {
  readonly #marks: LineMarks;
  readonly #isRaw: boolean;
  readonly #pending: Record<OutputStream, { text: string; time: string }> = {
    stdout: { text: '', time: '' },
    stderr: { text: '', time: '' },
  };

  constructor(marks: LineMarks) {
    this.#marks = marks;
    // Nothing to mark: the text goes out as it was written, a prompt without its newline included.
    this.#isRaw = !marks.stream && !marks.timestamps && marks.name === undefined;
  }

  /** The lines this chunk completes, marked. */
  push(event: OutputEvent): string {
    if (this.#isRaw) return event.text;
    const pending = this.#pending[event.stream];
    const text = pending.text + event.text;
    const end = text.lastIndexOf('\n');
    pending.text = text.slice(end + 1);
    pending.time = event.time;
    if (end < 0) return '';
    return text
      .slice(0, end)
      .split('\n')
      .map((line) => this.#mark(event.stream, event.time, line))
      .join('');
  }

  /** The unfinished line of `stream`, ended with a newline: the run ended without writing one. */
  flush(stream: OutputStream): string {
    const pending = this.#pending[stream];
    if (pending.text === '') return '';
    const line = this.#mark(stream, pending.time, pending.text);
    pending.text = '';
    return line;
  }

  #mark(stream: OutputStream, time: string, line: string): string {
    const marks = [
      this.#marks.timestamps ? `${time} ` : '',
      this.#marks.name === undefined ? '' : `${this.#marks.name} | `,
      this.#marks.stream ? STREAM_MARKS[stream] : '',
    ];
    return `${marks.join('')}${line}\n`;
  }
}

/** The last `count` lines of `text`; an unfinished last line counts as one. */
export function lastLines(text: string, count: number): string {
  let index = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let found = 0; found < count; found++) {
    if (index <= 0) return text;
    index = text.lastIndexOf('\n', index - 1);
    if (index < 0) return text;
  }
  return text.slice(index + 1);
}

/** What the run has written so far, and the seq to follow it from. */
export interface LogHistory {
  text: string;
  /** The first event not read: the end event of a finished run, so that following it shows its end. */
  resumeSeq: number;
  /** Whether the run's end event was reached: nothing more will be written. */
  isEnded: boolean;
}

const PAGE = 1_000;

/**
 * The lines of `streams` that run `runId` has written so far, through `lines`, keeping only the last
 * `tail` when given. Read page by page from the event log, with memory bounded by the tail.
 */
export async function readHistory(
  client: RunyardClient,
  runId: string,
  lines: LineFormatter,
  streams: readonly OutputStream[],
  tail: number | undefined,
): Promise<LogHistory> {
  let text = '';
  let fromSeq = 1;
  for (;;) {
    const page = await client.run.events({ runId, fromSeq, limit: PAGE });
    for (const event of page.events) {
      if (event.type === 'end') return { text: trim(text, tail), resumeSeq: event.seq, isEnded: true };
      if (event.type === 'output' && streams.includes(event.stream)) text += lines.push(event);
    }
    text = trim(text, tail);
    fromSeq = page.nextSeq;
    // A short page is as far as the log goes now. page.end is no help: a queued run has it too.
    if (page.events.length < PAGE) return { text, resumeSeq: fromSeq, isEnded: false };
  }
}

const trim = (text: string, tail: number | undefined) => (tail === undefined ? text : lastLines(text, tail));
