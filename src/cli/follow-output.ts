// `--follow` for run start and run logs: a run's output as it was written, progress and status on
// stderr (or every event as a JSON line), until the run ends; the run's outcome becomes the exit code.
import type { FollowedEvent, RunRecord, RunStatus, RunyardClient } from '../client/index.js';
import { print, statusLine } from './commands/run-format.js';
import type { LineFormatter, OutputStream } from './log-lines.js';
import { EXIT } from './usage.js';

const exitCodes: Record<RunStatus, number> = {
  succeeded: EXIT.ok,
  failed: EXIT.failed,
  interrupted: EXIT.failed,
  timed_out: EXIT.timedOut,
  cancelled: EXIT.interrupted,
  // Never carried by an end event; listed so the table covers every status.
  queued: EXIT.failed,
  running: EXIT.failed,
  retrying: EXIT.failed,
};

/** The exit code of a followed run that ended with `status`. */
export function exitCodeFor(status: RunStatus): number {
  return exitCodes[status];
}

/** The exitCodes table, for the --help of every command that follows. */
export const FOLLOW_EXIT_HELP = `With --follow the exit code is the run's outcome: 0 succeeded, 1 failed or interrupted, 124 timed_out,
130 cancelled. Ctrl-C stops following and exits 130 without cancelling the run; a closed stdout
(e.g. \`| head\`) stops it the same way, with exit 141.`;

export interface FollowOutputOptions {
  /** Print every event as one JSON line on stdout instead of output, progress and status lines. */
  json: boolean;
  /** Where each of the run's streams is written; a stream left out is not shown. */
  routes: Partial<Record<OutputStream, NodeJS.WriteStream>>;
  /** The first event to show. Default 1: the run from its beginning. */
  fromSeq?: number;
  /** Output as whole marked lines (`run logs --stream both`, `runyard logs`) rather than as written. */
  lines?: LineFormatter;
  /** Put before each line of ours on stderr, to tell the runs of `runyard logs SERVICE` apart. */
  name?: string;
}

/**
 * Shows run `runId` from its first event until it ends, and returns the exit code for its outcome.
 * Ctrl-C, or a reader that goes away (`| head`), stops following; the run goes on.
 */
export async function followToEnd(
  client: RunyardClient,
  runId: string,
  options: FollowOutputOptions,
): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  // once: a second Ctrl-C gets Node's default and ends us even while the SDK is stuck reconnecting.
  process.once('SIGINT', stop);
  // A failed write also rejects the print() that made it, and is handled there; without a listener the
  // stream's 'error' event would end the process with a stack trace.
  const ignore = () => {};
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  const view = new RunView(process.stderr, options, () => client.run.status({ runId }));
  const hint = `still running: runyard run cancel ${runId}`;
  try {
    for await (const event of client.run.follow(runId, {
      fromSeq: options.fromSeq ?? 1,
      signal: controller.signal,
    })) {
      // Events already queued are still handed out after an abort; Ctrl-C means stop showing now.
      if (controller.signal.aborted) break;
      if (options.json) await print(JSON.stringify(event) + '\n');
      else await view.show(event);
      if (event.type === 'end') {
        if (!options.json) await view.end(statusLine(await client.run.status({ runId })));
        return exitCodeFor(event.status);
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    // When stderr is the closed pipe too, there is no one left to tell.
    await view.end(hint).catch(ignore);
    return EXIT.closedPipe;
  } finally {
    process.removeListener('SIGINT', stop);
    process.stdout.removeListener('error', ignore);
    process.stderr.removeListener('error', ignore);
  }
  if (!controller.signal.aborted) throw new Error(`the events of run ${runId} stopped before its end`);
  await view.end(hint);
  return EXIT.interrupted;
}

/**
 * What a person sees of a followed run. On a terminal the latest progress is one line redrawn in
 * place at the bottom; elsewhere each progress report is a line of its own.
 */
class RunView {
  readonly #stderr: NodeJS.WriteStream;
  readonly #routes: FollowOutputOptions['routes'];
  readonly #lines: LineFormatter | undefined;
  readonly #prefix: string;
  readonly #describe: () => Promise<RunRecord>;
  readonly #isTerminal: boolean;
  /** The progress line to keep at the bottom; '' for none. */
  #progress = '';
  #isProgressDrawn = false;
  /**
   * False while the run's last output to a terminal left a line unfinished: a progress line drawn
   * there would be glued to it, and erasing the progress would erase that output too.
   */
  #isAtLineStart = true;
  /** The latest attempt seen, so a retry can say which attempt comes next. */
  #attempt = 0;

  constructor(
    stderr: NodeJS.WriteStream,
    { routes, lines, name }: FollowOutputOptions,
    describe: () => Promise<RunRecord>,
  ) {
    this.#stderr = stderr;
    this.#routes = routes;
    this.#lines = lines;
    this.#prefix = name === undefined ? '' : `${name}: `;
    this.#describe = describe;
    this.#isTerminal = stderr.isTTY === true;
  }

  async show(event: FollowedEvent): Promise<void> {
    switch (event.type) {
      case 'output': {
        const stream = this.#routes[event.stream];
        // As written: the run's own bytes, invalid UTF-8 included, as `tail -f` would pass them on.
        if (stream) await this.#output(stream, this.#lines ? this.#lines.push(event) : event.bytes);
        return;
      }
      case 'progress':
        return this.#showProgress(event.progress, event.message);
      case 'attempt':
        this.#attempt = event.attempt;
        return;
      case 'status':
        if (event.status === 'retrying') {
          const { maxAttempts } = await this.#describe();
          const at = event.nextAttemptAt ? ` at ${event.nextAttemptAt}` : '';
          await this.#line(`retrying (attempt ${this.#attempt + 1} of ${maxAttempts}${at})`);
        }
        return;
      case 'note':
        return this.#line(`note: ${event.message}`);
      case 'end':
        for (const [name, stream] of Object.entries(this.#routes) as [OutputStream, NodeJS.WriteStream][])
          await this.#output(stream, this.#lines?.flush(name) ?? '');
        return;
    }
  }

  /** A line of ours on stderr, kept apart from the run's output and the progress line. */
  async #line(text: string): Promise<void> {
    await this.#eraseProgress();
    const separator = this.#isTerminal && !this.#isAtLineStart ? '\n' : '';
    await print(`${separator}${this.#prefix}${text}\n`, this.#stderr);
    if (this.#isTerminal) this.#isAtLineStart = true;
    await this.#drawProgress();
  }

  /** Removes the progress line for good and prints a last line. */
  async end(text: string): Promise<void> {
    this.#progress = '';
    await this.#line(text);
  }

  async #output(stream: NodeJS.WriteStream, output: string | Uint8Array): Promise<void> {
    if (output.length === 0) return;
    await this.#eraseProgress();
    await print(output, stream);
    if (stream.isTTY) this.#isAtLineStart = output.at(-1) === (typeof output === 'string' ? '\n' : 0x0a);
    await this.#drawProgress();
  }

  async #showProgress(progress: number | null, message: string | null): Promise<void> {
    const percent = progress === null ? null : Math.round(progress * 100);
    if (!this.#isTerminal) {
      const parts = [percent === null ? '' : `${percent}%`, message ?? ''].filter(Boolean);
      if (parts.length > 0) await this.#line(`progress ${parts.join(' ')}`);
      return;
    }
    const bar = percent === null ? '' : `[${String(percent).padStart(3)}%]`;
    this.#progress = [bar, message ?? ''].filter(Boolean).join(' ');
    await this.#eraseProgress();
    await this.#drawProgress();
  }

  async #eraseProgress(): Promise<void> {
    if (!this.#isProgressDrawn) return;
    this.#isProgressDrawn = false;
    await print('\r\x1b[2K', this.#stderr);
  }

  async #drawProgress(): Promise<void> {
    if (!this.#isTerminal || this.#progress === '' || !this.#isAtLineStart || this.#isProgressDrawn) return;
    // A line that wraps could no longer be erased with \r, so it is cut to the terminal's width.
    // Some terminals report 0 columns; treat that as unknown.
    const width = Math.max((this.#stderr.columns || 80) - 1, 1);
    this.#isProgressDrawn = true;
    await print(this.#progress.slice(0, width), this.#stderr);
  }
}
