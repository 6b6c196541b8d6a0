// The line options of `run logs` and `runyard logs` (--tail, --stream, --timestamps), and showing runs by them:
// what each run has written so far, then, when following, what they write next until they end.
import type { RunyardClient } from '../client/index.js';
import { print } from './commands/run-format.js';
import { integer } from './commands/run-args.js';
import { followToEnd } from './follow-output.js';
import { lastLines, LineFormatter, readHistory, type OutputStream } from './log-lines.js';
import { defineOptions } from './options.js';
import { EXIT, UsageError } from './usage.js';

const STREAMS: Record<string, OutputStream[]> = {
  stdout: ['stdout'],
  stderr: ['stderr'],
  both: ['stdout', 'stderr'],
};

export const lineOptions = defineOptions({
  tail: { type: 'string', value: 'N', help: 'only the last N lines (with --follow: then what comes next)' },
  stream: {
    type: 'string',
    value: 'S',
    help: 'stdout (default), stderr, or both: merged in the order the run wrote them,\neach line marked "out | " or "err | "',
    values: Object.keys(STREAMS),
  },
  timestamps: {
    type: 'boolean',
    help: "put the time each line was written (UTC, from the run's event log) before it",
  },
});

export interface LineOptions {
  streams: OutputStream[];
  tail: number | undefined;
  timestamps: boolean;
  /** Whether the output must be cut into lines: anything but one raw stream. */
  isMarked: boolean;
}

export function parseLineOptions(values: {
  tail?: string | undefined;
  stream?: string | undefined;
  timestamps?: boolean | undefined;
}): LineOptions {
  const streams = Object.hasOwn(STREAMS, values.stream ?? 'stdout')
    ? STREAMS[values.stream ?? 'stdout']
    : undefined;
  if (!streams) throw new UsageError(`--stream must be stdout, stderr or both, got "${values.stream}"`);
  const tail = integer('--tail', values.tail, 0);
  const timestamps = values.timestamps === true;
  return { streams, tail, timestamps, isMarked: streams.length > 1 || tail !== undefined || timestamps };
}

/** A run to show, and the name its lines are marked with (its action, when several runs are shown). */
export interface LogTarget {
  runId: string;
  name?: string;
}

/**
 * Writes what each target has written so far (its last --tail lines), one run after the other; when
 * following, then what they all write next, line by line, until every one has ended. The exit code is
 * the outcome of the run, or of the first of several that did not succeed.
 */
export async function showLines(
  client: RunyardClient,
  targets: readonly LogTarget[],
  options: LineOptions,
  follow: boolean,
): Promise<number> {
  const width = Math.max(0, ...targets.map((target) => target.name?.length ?? 0));
  const followed: (() => Promise<number>)[] = [];
  for (const { runId, name } of targets) {
    const lines = new LineFormatter({
      stream: options.streams.length > 1,
      timestamps: options.timestamps,
      name: name?.padEnd(width),
    });
    const history = await readHistory(client, runId, lines, options.streams, options.tail);
    // Once a run has ended, its unfinished last line is its last line, and counts for --tail.
    const isComplete = history.isEnded || !follow;
    const text = isComplete
      ? history.text + options.streams.map((stream) => lines.flush(stream)).join('')
      : history.text;
    await print(options.tail === undefined || !isComplete ? text : lastLines(text, options.tail));
    if (!follow) continue;
    const routes = Object.fromEntries(options.streams.map((stream) => [stream, process.stdout]));
    followed.push(() =>
      followToEnd(client, runId, { json: false, routes, fromSeq: history.resumeSeq, lines, name }),
    );
  }
  const codes = await Promise.all(followed.map((start) => start()));
  return codes.find((code) => code !== EXIT.ok) ?? EXIT.ok;
}
