// The application error registry: every error that crosses the wire, with its stable code.
import { Type, type TSchema } from '@sinclair/typebox';

interface ErrorSpec {
  code: number;
  /** Message template; `{name}` is replaced from the error's data. */
  message: string;
  data: TSchema;
  description: string;
}

// Codes live outside -32768..-32000 (reserved by JSON-RPC), grouped by area:
// 1000s runs and their events, 1100s paths and run directories, 1900s daemon state and limits. A published code never
// changes meaning and is never reused.
export const errorRegistry = {
  run_not_found: {
    code: 1001,
    message: 'run {runId} not found',
    data: Type.Object({ runId: Type.String() }),
    description: 'No run has this id.',
  },
  command_not_found: {
    code: 1002,
    message: 'command {command} not found or not executable',
    data: Type.Object({ command: Type.String() }),
    description: "argv[0] is not an executable file, neither as a path nor on the run's PATH.",
  },
  cwd_not_found: {
    code: 1003,
    message: 'working directory {cwd} does not exist or is not a directory',
    data: Type.Object({ cwd: Type.String() }),
    description: 'The requested cwd is not an existing directory.',
  },
  run_dir_failed: {
    code: 1004,
    message: 'could not prepare the run directory: {cause}',
    data: Type.Object({ cause: Type.String() }),
    description: 'The daemon could not create or write the run directory (disk full, read-only, permissions).',
  },
  seq_not_available: {
    code: 1005,
    message: 'events of run {runId} from seq {fromSeq} are no longer kept; the oldest is {oldestSeq}',
    data: Type.Object({ runId: Type.String(), fromSeq: Type.Integer(), oldestSeq: Type.Integer() }),
    description: "fromSeq is older than the run's event log still holds (e.g. events.jsonl was removed).",
  },
  index_failed: {
    code: 1006,
    message: 'could not record the run in the index: {cause}',
    data: Type.Object({ cause: Type.String() }),
    description: 'The index database refused the write (disk full, read-only); nothing was started.',
  },
  path_outside_runs_dir: {
    code: 1101,
    message: '{field} must stay inside the runs directory',
    data: Type.Object({ field: Type.String() }),
    description: 'A path resolves (after symlinks) outside the runs directory, or to the runs directory itself.',
  },
  output_dir_not_empty: {
    code: 1102,
    message: 'output directory {outputDir} is not empty; pass overwrite: true to reuse it',
    data: Type.Object({ outputDir: Type.String() }),
    description: 'outputDir exists and holds files, and overwrite was not set.',
  },
  output_dir_busy: {
    code: 1103,
    message: 'output directory {outputDir} belongs to active run {runId}',
    data: Type.Object({ outputDir: Type.String(), runId: Type.String() }),
    description: 'outputDir is the directory of a run that has not finished; even overwrite cannot take it.',
  },
  action_not_found: {
    code: 1301,
    message: 'action {name} not found',
    data: Type.Object({ name: Type.String() }),
    description: 'No action has this name (run.start with action, service.set naming it, action.get/delete).',
  },
  action_in_use: {
    code: 1302,
    message: 'action {name} is used by services {services}; remove it from them first',
    data: Type.Object({ name: Type.String(), services: Type.Array(Type.String()) }),
    description: 'action.delete of an action that a service still names.',
  },
  service_not_found: {
    code: 1401,
    message: 'service {name} not found',
    data: Type.Object({ name: Type.String() }),
    description: 'No service has this name.',
  },
  daemon_shutting_down: {
    code: 1901,
    message: 'the daemon is shutting down and accepts no new runs',
    data: Type.Object({}),
    description: 'run.start arrived after SIGINT/SIGTERM; retry against the next daemon.',
  },
  queue_full: {
    code: 1902,
    message: 'the queue holds {limit} runs already; try again when some have started',
    data: Type.Object({ limit: Type.Integer() }),
    description: 'run.start while --max-queued runs are waiting.',
  },
  too_many_subscriptions: {
    code: 1903,
    message: 'this connection has {limit} subscriptions already',
    data: Type.Object({ limit: Type.Integer() }),
    description: 'run.subscribe beyond the per-connection limit; unsubscribe first.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorReason = keyof typeof errorRegistry;

/** The one error class for application errors; the transport turns it into a JSON-RPC error. */
export class RunyardError extends Error {
  readonly reason: ErrorReason;
  readonly code: number;
  readonly data: Record<string, unknown>;

  constructor(reason: ErrorReason, data: Record<string, unknown>) {
    const spec = errorRegistry[reason];
    super(spec.message.replace(/\{(\w+)\}/g, (_, key: string) => String(data[key])));
    this.name = 'RunyardError';
    this.reason = reason;
    this.code = spec.code;
    this.data = data;
  }
}
