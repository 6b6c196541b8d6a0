// `runyard service status NAME`: the service's state and, per action, its run, pid, uptime, restarts,
// why it is not running, and the end of the stderr of its last failure.
import { RunNotFoundError, type RunyardClient, type ServiceStatus } from '../../client/index.js';
import { ServiceName } from '../../schema/common.js';
import { clientOptions } from '../client-options.js';
import { lastLines } from '../log-lines.js';
import { oneCallCommand } from './one-call.js';
import { statusView } from './service-format.js';

const STDERR_LINES = 5;
// Enough for the last few lines of any sane stderr; a longer last line is shown cut at its start.
const STDERR_TAIL_BYTES = 8_192;

export const declaration = {
  options: clientOptions,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service status NAME [options]

Prints "NAME: STATE" (stopped, starting, running, degraded or failed), then one row per action: its
current run, the run's status, pid, uptime, restarts since the service started and, in words, why it
is not running ("exited with code 1, restarting in 4 s"). Below, the last ${STDERR_LINES} lines of stderr
of each action's last failed run. --json prints the service.status answer.`;

interface StatusWithStderr {
  status: ServiceStatus;
  stderr: { action: string; runId: string; lines: string }[];
}

export const serviceStatus = oneCallCommand<StatusWithStderr>({
  help: HELP,
  declaration,
  schema: ServiceName,
  call: async (client, name) => {
    const status = await client.service.status({ name });
    const failures = status.actions.flatMap(({ action, lastFailure }) =>
      lastFailure ? [{ action, runId: lastFailure.runId }] : [],
    );
    const stderr = await Promise.all(
      failures.map(async (failure) => ({ ...failure, lines: await stderrTail(client, failure.runId) })),
    );
    return { status, stderr: stderr.filter((entry) => entry.lines !== '') };
  },
  json: (answer) => answer.status,
  format: ({ status, stderr }) =>
    statusView(status) +
    stderr
      .map(({ action, runId, lines }) => `\n${action}: last stderr of ${runId}\n${indent(lines)}`)
      .join(''),
});

/** The last lines of a run's stderr; empty when it wrote none or the run is gone from the index. */
async function stderrTail(client: RunyardClient, runId: string): Promise<string> {
  try {
    const { size } = await client.run.logs({ runId, stream: 'stderr', limit: 1 });
    const offset = Math.max(0, size - STDERR_TAIL_BYTES);
    const { text } = await client.run.logs({ runId, stream: 'stderr', offset, limit: STDERR_TAIL_BYTES });
    return lastLines(text, STDERR_LINES);
  } catch (error) {
    if (error instanceof RunNotFoundError) return '';
    throw error;
  }
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}\n`)
    .join('');
