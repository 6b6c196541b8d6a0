// Exit codes and usage errors shared by every command, and the flag parsing that raises them.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Every exit code of the runyard command, documented in docs/cli.md. A script can tell "the daemon said
 * no" (1) from "you called it wrong" (2) from "there is no daemon to ask" (3) without reading stderr.
 */
export const EXIT = {
  ok: 0,
  /** The daemon answered with an error, or the run waited for or followed did not succeed. */
  failed: 1,
  usage: 2,
  /** No daemon reached: no daemon.json, nothing listening, token refused, connection lost. */
  unreachable: 3,
  /** `run wait --timeout-ms`: the deadline passed and the run is still queued, running or retrying. */
  stillActive: 4,
  /** The run waited for or followed ended timed_out, as timeout(1) reports a timeout. */
  timedOut: 124,
  /** 128 + SIGINT: the run ended cancelled, or Ctrl-C stopped following it. */
  interrupted: 130,
  /** 128 + SIGPIPE: what a shell reports for a command whose reader went away. */
  closedPipe: 141,
} as const;

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {}

/**
 * A failure the CLI itself found (not a daemon's error answer): a stable snake_case `reason` for
 * --json, and the exit code it ends in.
 */
export class CommandFailure extends Error {
  readonly reason: string;
  readonly exitCode: number;
  readonly data: unknown;
  constructor(reason: string, message: string, exitCode: number = EXIT.failed, data: unknown = null) {
    super(message);
    this.reason = reason;
    this.exitCode = exitCode;
    this.data = data;
  }
}

/** What a command declares of its flags; every command parses strictly, so a typo is never ignored. */
type FlagConfig = Omit<ParseArgsConfig, 'args' | 'strict'>;
type ParsedFlags<T extends FlagConfig> = ReturnType<typeof parseArgs<T & { strict: true }>>;

/** node:util parseArgs in strict mode, its complaints turned into usage errors (exit 2). */
export function parseFlags<T extends FlagConfig>(args: string[], config: T): ParsedFlags<T> {
  try {
    return parseArgs({ ...config, args, strict: true }) as ParsedFlags<T>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
