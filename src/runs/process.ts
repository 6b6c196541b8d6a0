// One attempt's child process: its own process group, output appended to the log files, progress on fd 3.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { APPEND_FLAGS } from '../run-dir/open-file.js';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { completeUtf8Length } from '../run-dir/utf8.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ProcessSpec {
  command: string;
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logs: Record<OutputStream, { path: string; offset: number }>;
}

export interface ProcessListener {
  /** A chunk of output that is on disk at [offset, offset + bytes.length); chunks never split a UTF-8 character. */
  output(stream: OutputStream, offset: number, bytes: Buffer): void;
  /** One line the process wrote to fd 3. */
  progressLine(line: string): void;
  /** Output could not be written to its log (a full disk, an IO error): what follows is dropped, not written. */
  logFailed(stream: OutputStream, error: Error): void;
}

export interface ProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  failure?: { reason: 'spawn_failed' | 'io_error'; message: string };
  /** Bytes in each log file after this attempt. */
  logSizes: Record<OutputStream, number>;
}

export interface RunningProcess {
  pid: number | undefined;
  /** Resolves once the process has exited and all its output is on disk and reported. */
  exited: Promise<ProcessExit>;
  /** Signals the whole process group, grandchildren included. */
  signalGroup(signal: NodeJS.Signals): void;
  /**
   * Stops waiting for the output pipes: `exited` resolves once the process itself has exited, even
   * while something that left the process group (setsid) still holds them open.
   */
  abandonPipes(): void;
}

// A progress line longer than this is not a progress report; dropping it bounds our memory.
const MAX_PROGRESS_LINE = 65_536;

/** An attempt that never got a process: it ends at once, with `failure` when that is why, its logs as they were. */
export function unstartedProcess(failure: ProcessExit['failure'], spec: ProcessSpec): RunningProcess {
  const logSizes = { stdout: spec.logs.stdout.offset, stderr: spec.logs.stderr.offset };
  return {
    pid: undefined,
    exited: Promise.resolve({ exitCode: null, signal: null, ...(failure ? { failure } : {}), logSizes }),
    signalGroup() {},
    abandonPipes() {},
  };
}

export function spawnProcess(spec: ProcessSpec, listener: ProcessListener): RunningProcess {
  let child: ChildProcess;
  try {
    // detached: the child leads a new process group, so one kill(-pid) reaches everything it started.
    child = spawn(spec.command, spec.argv.slice(1), {
      argv0: spec.argv[0],
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Node refuses some requests before forking (E2BIG: argv and env too large for execve).
    return unstartedProcess({ reason: 'spawn_failed', message: (error as Error).message }, spec);
  }
  const copies = (['stdout', 'stderr'] as const).map((stream) =>
    copyOutput(child[stream]!, stream, spec.logs[stream], listener),
  );
  const progress = child.stdio[3] as Readable | null;
  if (progress) readLines(progress, (line) => listener.progressLine(line));
  let finished = false;

  const exited = new Promise<ProcessExit>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    // 'close' waits for stdio to close, which also waits for grandchildren that inherited it.
    child.once('close', (exitCode, signal) => {
      finished = true;
      Promise.all(copies).then(
        ([stdout, stderr]) =>
          resolve({
            exitCode,
            signal,
            ...(spawnError && child.pid === undefined
              ? { failure: { reason: 'spawn_failed' as const, message: spawnError.message } }
              : {}),
            logSizes: { stdout: stdout!, stderr: stderr! },
          }),
        // Copying the output failed in a way its own error handling did not catch: the attempt still ends.
        (error: Error) =>
          resolve({
            exitCode,
            signal,
            failure: { reason: 'io_error', message: `could not copy the output: ${error.message}` },
            logSizes: { stdout: spec.logs.stdout.offset, stderr: spec.logs.stderr.offset },
          }),
      );
    });
  });

  return {
    pid: child.pid,
    exited,
    signalGroup(signal) {
      if (finished || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
    abandonPipes() {
      for (const stream of child.stdio) stream?.destroy();
    },
  };
}

/**
 * Appends a pipe to its log file and reports each chunk once it is written, cut at UTF-8
 * boundaries. Resolves with the file size when the pipe has ended and everything is reported.
 */
async function copyOutput(
  source: Readable,
  stream: OutputStream,
  log: { path: string; offset: number },
  listener: ProcessListener,
): Promise<number> {
  let reported = log.offset;
  let carry: Buffer = Buffer.alloc(0);
  let failed = false;
  const report = (bytes: Buffer) => {
    if (bytes.length === 0 || failed) return;
    listener.output(stream, reported, bytes);
    reported += bytes.length;
  };
  const fail = (error: Error) => {
    if (failed) return;
    // The pipe is drained into nothing from now on, so the child never blocks on a log we cannot write.
    failed = true;
    source.resume();
    listener.logFailed(stream, error);
  };
  // A log a run replaced by a symlink or a FIFO (retries reopen it) is refused, never followed or blocked on.
  // Opened synchronously: the 'data' listener must be on before the child can exit, or Node drains the
  // pipe into nothing.
  let fd: number;
  try {
    fd = openSync(log.path, APPEND_FLAGS, 0o644);
  } catch (error) {
    fail(error as Error);
    await once(source, 'close');
    return reported;
  }
  const file = createWriteStream(log.path, { fd });
  file.on('error', fail);
  source.on('data', (chunk: Buffer) => {
    if (failed) return;
    // The write callback runs once the bytes are in the file, so a reader at the reported offset finds them.
    const flushed = file.write(chunk, (error) => {
      if (error) return;
      const pending = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const cut = completeUtf8Length(pending);
      carry = pending.subarray(cut);
      report(pending.subarray(0, cut));
    });
    if (!flushed && !failed) {
      source.pause();
      file.once('drain', () => source.resume());
    }
  });
  await once(source, 'close');
  await closed(file);
  report(carry);
  return reported;
}

function readLines(source: Readable, onLine: (line: string) => void): void {
  let buffered = '';
  let overlong = false;
  source.setEncoding('utf8');
  source.on('data', (text: string) => {
    const lines = (buffered + text).split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (!overlong && line.trim()) onLine(line);
      overlong = false;
    }
    if (buffered.length > MAX_PROGRESS_LINE) {
      if (!overlong) onLine(buffered.slice(0, 100)); // reported as unreadable, like any other garbage
      buffered = '';
      overlong = true;
    }
  });
  source.on('end', () => {
    if (!overlong && buffered.trim()) onLine(buffered);
  });
  source.on('error', () => {}); // the child closing fd 3 early is not our error
}

async function closed(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  if (!stream.writableEnded) stream.end();
  // Not events.once: it rejects on 'error', which the stream's own listener has already reported.
  await new Promise<void>((resolve) => stream.once('close', () => resolve()));
}
