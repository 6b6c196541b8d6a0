// One attempt's child process: spawned in its own process group, output to log files, killed as a group.
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export interface ProcessSpec {
  command: string;
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutPath: string;
  stderrPath: string;
}

export interface ProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  spawnError?: Error;
}

export interface RunningProcess {
  pid: number | undefined;
  /** Resolves once the process has exited and its output is flushed to the log files. */
  exited: Promise<ProcessExit>;
  /** Signals the whole process group, grandchildren included. */
  signalGroup(signal: NodeJS.Signals): void;
}

export function spawnProcess(spec: ProcessSpec): RunningProcess {
  const stdout = createWriteStream(spec.stdoutPath, { flags: 'a' });
  const stderr = createWriteStream(spec.stderrPath, { flags: 'a' });
  // detached: the child leads a new process group, so one kill(-pid) reaches everything it started.
  const child = spawn(spec.command, spec.argv.slice(1), {
    argv0: spec.argv[0],
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(stdout);
  child.stderr.pipe(stderr);
  let finished = false;

  const exited = new Promise<ProcessExit>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    // 'close' waits for stdio to close, which also waits for grandchildren that inherited it.
    child.once('close', (exitCode, signal) => {
      finished = true;
      void Promise.all([closed(stdout), closed(stderr)]).then(() =>
        resolve(
          spawnError && child.pid === undefined
            ? { exitCode: null, signal: null, spawnError }
            : { exitCode, signal },
        ),
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
  };
}

async function closed(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  if (!stream.writableEnded) stream.end();
  await once(stream, 'close');
}
