// One attempt's child process: its own process group, output appended to the log files, progress on fd 3.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { copyOutput } from './output-copy.js';

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
    copyOutput(child[stream]!, spec.logs[stream].path, spec.logs[stream].offset, {
      chunk: (offset, bytes) => listener.output(stream, offset, bytes),
      failed: (error) => listener.logFailed(stream, error),
    }),
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
