// `runyard run wait RUN_ID`: waits for a run to end, however long; the exit code says how it ended.
import type { RunRecord, RunyardClient } from '../../client/index.js';
import { runWait as runWaitMethod } from '../../schema/run.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { exitCodeFor } from '../follow-output.js';
import { commandMain } from '../command-main.js';
import { CommandFailure, EXIT } from '../usage.js';
import { integer, onlyRunId } from './run-args.js';
import { print, printJson, statusLine } from './run-format.js';

// The longest one run.wait call may hold (the contract's maximum): a longer wait is several calls.
const MAX_CALL_MS = runWaitMethod.params.properties.timeoutMs.maximum!;

const OPTIONS = defineOptions({
  'timeout-ms': {
    type: 'string',
    value: 'N',
    help: `stop waiting after N milliseconds; if the run is still queued, running or\nretrying then, print its status and exit ${EXIT.stillActive}`,
  },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'RUN_ID', completes: 'run-id' }],
} as const;

const HELP = `Usage: runyard run wait RUN_ID [options]

Waits until the run ends, however long that takes, and prints its final status. The exit code is the
run's outcome: 0 succeeded, 1 failed or interrupted, 124 timed out, 130 cancelled.

${optionLines(OPTIONS)}`;

export const runWait = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const runId = onlyRunId(positionals);
    const timeoutMs = integer('--timeout-ms', values['timeout-ms'], 0);
    return withClient(values, async (client) => {
      const run = await waitUntil(client, runId, timeoutMs === undefined ? Infinity : Date.now() + timeoutMs);
      await (values.json ? printJson(run) : print(statusLine(run) + '\n'));
      if (run.finishedAt === null) {
        throw new CommandFailure(
          'still_active',
          `run ${runId} is still ${run.status} after waiting ${timeoutMs} ms`,
          EXIT.stillActive,
          { runId, status: run.status },
        );
      }
      return exitCodeFor(run.status);
    });
  },
);

/** run.wait calls, each within the contract's maximum, until the run ends or `deadline` (epoch ms) passes. */
async function waitUntil(client: RunyardClient, runId: string, deadline: number): Promise<RunRecord> {
  for (;;) {
    const timeoutMs = Math.max(0, Math.min(MAX_CALL_MS, deadline - Date.now()));
    const run = await client.run.wait({ runId, timeoutMs });
    if (run.finishedAt !== null || Date.now() >= deadline) return run;
  }
}
