// The application error registry: every error that crosses the wire, with its stable code.
import * as Type from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';

interface ErrorSpec {
  code: number;
  /** Message template; `{name}` is replaced from the error's data. */
  message: string;
  data: TSchema;
  description: string;
}

// Codes live outside -32768..-32000 (reserved by JSON-RPC), grouped by area:
// 1000s runs and their events, 1100s paths and run directories, 1200s retained runs, 1300s actions,
// 1400s services, 1500s the config file, 1600s the cluster, 1900s daemon state and limits. A published code never
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
  run_id_invalid: {
    code: 1104,
    message:
      'runId must name a run: its run id or its directory, 1-8 "/"-separated parts of 1-255 characters, none ' +
      'starting with "." and none holding NUL, control characters or backslashes',
    data: Type.Object({ runId: Type.String() }),
    description:
      'A retained.* call named a run in a way no run directory can be named (a ".." or dot part, a NUL, ' +
      'too long); nothing was looked up.',
  },
  path_nul_byte: {
    code: 1105,
    message: 'path must not contain NUL bytes',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the path holds a NUL byte.',
  },
  path_backslash: {
    code: 1106,
    message: 'path must separate its parts with "/", not backslashes',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the path holds a backslash.',
  },
  path_percent_encoded: {
    code: 1107,
    message: 'path must not contain percent-encoded characters',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the path holds %XX; paths are taken literally, never decoded.',
  },
  path_absolute: {
    code: 1108,
    message: 'path must be relative to the run directory',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the path starts with "/".',
  },
  path_parent_segment: {
    code: 1109,
    message: 'path must not contain ".." segments',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: a part of the path is "..".',
  },
  path_not_normalized: {
    code: 1110,
    message: 'path must not contain empty or "." segments',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the path holds "//", "./" or ends with "/".',
  },
  path_not_served: {
    code: 1111,
    message: 'only files under reports/, artifacts/ and logs/ are served',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description:
      'retained.readArtifact: the path, or what its symlinks resolve to, is outside reports/, artifacts/ and logs/.',
  },
  path_symlink_escape: {
    code: 1112,
    message: 'path {path} passes a symlink that leads out of the run directory',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'A symlink somewhere along the path points outside the run directory (to a sibling run, or anywhere else).',
  },
  path_not_file: {
    code: 1113,
    message: 'path {path} is not a regular file',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the path names a directory, a device, a socket or a FIFO.',
  },
  retained_run_not_found: {
    code: 1201,
    message: 'retained run {runId} not found',
    data: Type.Object({ runId: Type.String() }),
    description: 'No directory in the runs directory holds this run (never written, deleted, or replaced by another run).',
  },
  artifact_not_found: {
    code: 1202,
    message: 'file {path} not found in run {runId}',
    data: Type.Object({ runId: Type.String(), path: Type.String() }),
    description: 'retained.readArtifact: the run has no file at this path.',
  },
  list_cursor_invalid: {
    code: 1203,
    message: 'cursor is not one that retained.list returned',
    data: Type.Object({ cursor: Type.String() }),
    description: 'retained.list: the cursor was not taken from a nextCursor.',
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
  config_invalid: {
    code: 1501,
    message: '{file}: {problems}',
    data: Type.Object({ file: Type.String(), problems: Type.Array(Type.String()) }),
    description:
      'The config file cannot be read, is not valid JSON, breaks its schema, or declares services whose actions ' +
      'do not exist. At start the daemon does not start; at a reload nothing of the file is applied.',
  },
  config_not_set: {
    code: 1502,
    message: 'the daemon was started without a config file (--config FILE or RUNYARD_CONFIG)',
    data: Type.Object({}),
    description: 'daemon.reloadConfig on a daemon that has no config file to read again.',
  },
  node_unavailable: {
    code: 1601,
    message: '{subject} is on node {nodeId} ({url}), which is not reachable: {cause}',
    data: Type.Object({
      subject: Type.String({ description: '"run RUN_ID" or "service NAME": what the call was about.' }),
      runId: Type.Optional(Type.String()),
      service: Type.Optional(Type.String()),
      nodeId: Type.String(),
      url: Type.String(),
      cause: Type.String(),
    }),
    description:
      'A call about a run of another node of the cluster, or a service another node supervises, which this ' +
      'node forwards there, while that node is dead or stopped, cannot be connected to within 3 s, does not ' +
      'answer, or lost the connection during the call.',
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
  too_many_requests: {
    code: 1904,
    message: 'this connection has {limit} requests in flight already; wait for answers before sending more',
    data: Type.Object({ limit: Type.Integer() }),
    description:
      'Any method called while its connection has --max-in-flight requests unanswered; the connection stays open.',
  },
  store_unavailable: {
    code: 1905,
    message: 'the index database ({store}) does not answer ({cause}); nothing was changed, try again shortly',
    data: Type.Object({ store: Type.String(), cause: Type.String() }),
    description:
      'A call that needs the PostgreSQL store while the daemon cannot reach it; the daemon keeps trying with a ' +
      'backoff of up to 8 s, and calls that need no database (the logs and events of its own runs) still answer.',
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
    super(spec.message.replace(/\{(\w+)\}/g, (_, key: string) => templateValue(data[key])));
    this.name = 'RunyardError';
    this.reason = reason;
    this.code = spec.code;
    this.data = data;
  }
}

/** A list reads as one: `used by services web; api`, `/a is required; /b must be integer`. */
const templateValue = (value: unknown) => (Array.isArray(value) ? value.join('; ') : String(value));
