// How a command that failed tells it: one line on stderr (or one JSON object with --json), and the exit
// code for the kind of failure. Imported only once something failed, so no command pays for it at start-up.
import { ConnectError, ConnectionClosedError, RequestTimeoutError, RpcError } from '../client/index.js';
import { StartFailure } from '../schema/start-failure.js';
import { RunyardError } from '../schema/errors.js';
import { CommandFailure, EXIT, UsageError } from './usage.js';

/** What `--json` prints on stderr, as `{"error": ...}`. `code` is the daemon's error code, else null. */
export interface ErrorReport {
  code: number | null;
  reason: string;
  message: string;
  data: unknown;
}

// JSON-RPC's own errors carry no reason in their data.
const RPC_REASONS: Record<number, string> = {
  [-32700]: 'parse_error',
  [-32600]: 'invalid_request',
  [-32601]: 'method_not_found',
  [-32602]: 'invalid_params',
  [-32603]: 'internal_error',
};

/** The report and the exit code of a failure; an error none of these kinds is a bug in runyard. */
export function describeFailure(error: unknown): { report: ErrorReport; exitCode: number } {
  const local = (reason: string, exitCode: number, data: unknown = null) => ({
    report: { code: null, reason, message: error instanceof Error ? error.message : String(error), data },
    exitCode,
  });
  if (error instanceof UsageError) return local('usage', EXIT.usage);
  if (error instanceof CommandFailure) return local(error.reason, error.exitCode, error.data);
  if (error instanceof StartFailure) return local(error.reason, EXIT.failed);
  if (error instanceof RpcError || error instanceof RunyardError) {
    const reason = error.reason ?? RPC_REASONS[error.code] ?? 'rpc_error';
    return {
      report: { code: error.code, reason, message: error.message, data: error.data ?? null },
      exitCode: EXIT.failed,
    };
  }
  if (error instanceof ConnectError) return local(error.reason, EXIT.unreachable);
  if (error instanceof ConnectionClosedError) return local('connection_lost', EXIT.unreachable);
  if (error instanceof RequestTimeoutError) return local('no_answer', EXIT.unreachable);
  return local('internal', EXIT.failed);
}

/** With --json anywhere before `--` (after it, the words belong to the command being run). */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** Prints the failure on stderr and returns the exit code it ends in. */
export function reportFailure(error: unknown, args: readonly string[]): number {
  const { report, exitCode } = describeFailure(error);
  if (wantsJson(args)) {
    console.error(JSON.stringify({ error: report }));
  } else {
    const reason = report.code !== null && report.reason ? ` (${report.reason})` : '';
    const hint = report.reason === 'usage' ? '\nRun `runyard --help` for usage.' : '';
    console.error(`runyard: ${report.message}${reason}${hint}`);
  }
  return exitCode;
}
