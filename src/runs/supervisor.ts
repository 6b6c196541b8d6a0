// Attempt supervision: starting a run's process, stopping it, reading what it reports, and what comes after it ends.
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { runFiles } from '../run-dir/files.js';
import { outputBody } from '../run-dir/output-bytes.js';
import { RunFileError } from '../run-dir/write.js';
import type { RunRecord, RunStatus } from '../schema/run.js';
import type { ActiveRun, ErrorInfo, StopStatus } from './active-run.js';
import { runyardEnv } from './create-run.js';
import { isTerminal } from './lifecycle.js';
import {
  spawnProcess,
  unstartedProcess,
  type ProcessExit,
  type ProcessSpec,
  type RunningProcess,
} from './process.js';
import { identify, killAll, processesOfRun } from './process-identity.js';
import { parseProgressLine } from './progress.js';
import { retryDelayMs, shouldRetry } from './retry.js';

/** What the supervisor needs from the engine around it. */
export interface SupervisorHost {
  /** The run waits for a slot again (a retry whose delay has passed). */
  requeue(run: ActiveRun): void;
  /** The run is over; `patch` holds how its last attempt ended. */
  finish(run: ActiveRun, status: RunStatus, patch: Partial<RunRecord>): void;
  /** A slot came free. */
  slotFreed(): void;
  /** The environment every attempt starts from (the daemon's, without its own credentials). */
  baseEnv(): NodeJS.ProcessEnv;
  /** True once the daemon is shutting down: nothing is retried any more. */
  isClosing(): boolean;
}

type Ending = Pick<RunRecord, 'exitCode' | 'signal' | 'error'>;

// After SIGKILL, how long the output pipes may stay open before the run stops waiting for them:
// only something outside the process group (setsid) can still hold them then.
const PIPE_GRACE_MS = 1_000;

export class Supervisor {
  readonly #host: SupervisorHost;
  readonly #log: Logger;
  /** Runs whose attempt is starting or running: what `maxConcurrent` counts. */
  readonly #running = new Set<ActiveRun>();

  constructor(host: SupervisorHost, log: Logger) {
    this.#host = host;
    this.#log = log;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Starts the run's next attempt. That the attempt is starting reaches the index (and run.json)
   * before the process is spawned: a daemon that dies in between leaves a run indexed as running,
   * which the next daemon ends as interrupted instead of starting that attempt a second time.
   */
  async launch(run: ActiveRun): Promise<void> {
    this.#running.add(run);
    const startedAt = new Date().toISOString();
    const attempt = run.beginAttempt(startedAt);
    run.transition('running', {
      attempt: attempt.attempt,
      startedAt: run.record.startedAt ?? startedAt,
      nextAttemptAt: null,
    });
    await run.settled();
    const spec = this.#specOf(run, attempt.attempt);
    // Stopped while the attempt was being recorded, or a run whose files cannot be written: no process.
    const child = run.stopping
      ? unstartedProcess(undefined, spec)
      : run.ioFailure
        ? unstartedProcess({ reason: 'io_error', message: run.ioFailure.message }, spec)
        : spawnProcess(spec, {
            output: (stream, offset, bytes) => run.events.append(outputBody(stream, offset, bytes)),
            progressLine: (line) => this.#progress(run, line),
            logFailed: (stream, error) => this.ioFailed(run, runFiles[stream], error),
          });
    run.attached(child, identify(child.pid));
    run.persist(() => run.indexNow());
    run.events.append({
      type: 'attempt',
      attempt: attempt.attempt,
      phase: 'start',
      pid: child.pid ?? null,
      stdoutOffset: run.logSizes.stdout,
      stderrOffset: run.logSizes.stderr,
    });
    const { timeoutMs } = run.record;
    if (timeoutMs !== null)
      run.after(timeoutMs, () =>
        this.stop(run, 'timed_out', { reason: 'timeout', message: `timed out after ${timeoutMs} ms` }),
      );
    const exit = await child.exited;
    this.#ended(run, exit);
  }

  /** Stops the current attempt: SIGTERM to its group, SIGKILL after the grace period, then stop waiting for its pipes. */
  stop(run: ActiveRun, status: StopStatus, error: ErrorInfo): void {
    if (run.stopping) return;
    run.stopping = { status, error };
    const child = run.process;
    // Still starting: launch sees `stopping` and spawns nothing.
    if (!child) return;
    child.signalGroup('SIGTERM');
    run.after(run.plan.killGraceMs, () => this.#kill(run, child));
  }

  /**
   * Stops the current attempt with SIGKILL at once: the run is no longer this node's to finish (another
   * node ended it, or may any moment), so its process gets no grace period to go on working.
   */
  kill(run: ActiveRun, error: ErrorInfo): void {
    const child = run.process;
    run.stopping ??= { status: 'interrupted', error };
    if (child) this.#kill(run, child);
  }

  #kill(run: ActiveRun, child: RunningProcess): void {
    child.signalGroup('SIGKILL');
    run.after(PIPE_GRACE_MS, () => this.#abandon(run, child));
  }

  /**
   * A file of the run cannot be written (a full disk, an IO error): the attempt is stopped and the
   * run fails with reason io_error, once however many files fail. The daemon and every other run go on.
   */
  ioFailed(run: ActiveRun, file: string, thrown: Error): void {
    if (run.ioFailure || isTerminal(run.record.status)) return;
    const error = thrown instanceof RunFileError ? thrown.cause : thrown;
    const message = `could not write ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`;
    run.ioFailure = { reason: 'io_error', message };
    this.#log.error('a run file cannot be written; failing the run', {
      runId: run.runId,
      file,
      error: error.message,
    });
    if (run.record.status === 'running') this.stop(run, 'failed', run.ioFailure);
  }

  #specOf(run: ActiveRun, attempt: number): ProcessSpec {
    const { record, plan } = run;
    return {
      command: plan.command,
      argv: plan.argv,
      cwd: plan.cwd,
      env: { ...this.#host.baseEnv(), ...run.request.env, ...runyardEnv(record, attempt) },
      logs: {
        stdout: { path: join(record.runDir, runFiles.stdout), offset: run.logSizes.stdout },
        stderr: { path: join(record.runDir, runFiles.stderr), offset: run.logSizes.stderr },
      },
    };
  }

  #progress(run: ActiveRun, line: string): void {
    const report = parseProgressLine(line);
    if (report) {
      run.patch({ progress: { ...report, at: new Date().toISOString() } });
      run.events.append({ type: 'progress', ...report });
    } else if (run.shouldReportBadProgress()) {
      run.events.append({
        type: 'note',
        message: `ignored fd 3 input that is not a progress report (reported once per run): ${line.slice(0, 100)}`,
      });
    }
  }

  /** The group is killed and its pipes are still open: what holds them left the group, and is killed too. */
  #abandon(run: ActiveRun, child: RunningProcess): void {
    const leftovers = processesOfRun(run.runId);
    killAll(leftovers);
    if (leftovers.length > 0) {
      this.#log.warn('killed processes a run left outside its process group', {
        runId: run.runId,
        pids: leftovers,
      });
      const { stopping } = run;
      if (stopping) {
        const left = `${leftovers.length} process${leftovers.length === 1 ? '' : 'es'} outside its process group`;
        stopping.error = {
          ...stopping.error,
          message: `${stopping.error.message}; killed ${left} (${leftovers.join(', ')})`,
        };
      }
    }
    child.abandonPipes();
  }

  #ended(run: ActiveRun, exit: ProcessExit): void {
    this.#running.delete(run);
    const stopping = run.stopping;
    const { status, error } = outcomeOf(exit, stopping);
    run.logSizes = exit.logSizes;
    const attempt = run.endAttempt({ exitCode: exit.exitCode, signal: exit.signal, outcome: status });
    run.events.append({
      type: 'attempt',
      attempt: attempt.attempt,
      phase: 'end',
      exitCode: exit.exitCode,
      signal: exit.signal,
      outcome: status,
      stdoutOffset: exit.logSizes.stdout,
      stderrOffset: exit.logSizes.stderr,
    });
    const ending: Ending = { exitCode: exit.exitCode, signal: exit.signal, error };
    // A run whose files cannot be written would only fail the same way again.
    // Nor is a run this node no longer holds: the database says how it ended.
    const isRetryable =
      error?.reason !== 'io_error' &&
      !run.ioFailure &&
      !run.cancelled &&
      !run.leaseLost &&
      !run.isCutOff &&
      !this.#host.isClosing();
    if (isRetryable && shouldRetry(run.retry, status, attempt.attempt)) this.#retryLater(run, ending);
    else this.#host.finish(run, status, ending);
    this.#host.slotFreed();
  }

  #retryLater(run: ActiveRun, ending: Ending): void {
    const delay = retryDelayMs(run.retry, run.record.attempt);
    const nextAttemptAt = new Date(Date.now() + delay).toISOString();
    run.transition('retrying', { ...ending, nextAttemptAt }, { reason: ending.error?.reason, nextAttemptAt });
    run.after(delay, () => this.#host.requeue(run));
  }
}

/** How an attempt ended: as it was stopped, as it failed to start, or as its process exited. */
export function outcomeOf(
  exit: ProcessExit,
  stopping: { status: StopStatus; error: ErrorInfo } | undefined,
): { status: RunStatus; error: ErrorInfo | null } {
  if (stopping) return stopping;
  if (exit.failure) return { status: 'failed', error: exit.failure };
  if (exit.exitCode === 0) return { status: 'succeeded', error: null };
  if (exit.exitCode === null)
    return { status: 'failed', error: { reason: 'signal', message: `killed by ${exit.signal}` } };
  return { status: 'failed', error: { reason: 'exit_code', message: `exited with code ${exit.exitCode}` } };
}
