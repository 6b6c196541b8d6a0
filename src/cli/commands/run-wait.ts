// `runyard run wait RUN_ID`: waits for a run to end; the exit code says whether it succeeded.
import { CLIENT_OPTIONS_HELP, clientOptions, withClient } from '../client-options.js';
import { EXIT, parseFlags } from '../usage.js';
import { integer, onlyRunId } from './run-args.js';
import { print, printJson, statusLine } from './run-format.js';

// The daemon's own default. Always sent, because the SDK sizes its call timeout from the param it sees.
const DEFAULT_WAIT_MS = 30_000;

const HELP = `Usage: runyard run wait RUN_ID [options]

Waits until the run ends and prints its final status. Exits 0 only when the run succeeded, and 1 when
it failed, was cancelled, timed out, was interrupted, or is still active when the wait times out.

  --timeout-ms N          give up waiting after N milliseconds (default ${DEFAULT_WAIT_MS}, at most 3600000)
${CLIENT_OPTIONS_HELP}`;

export async function runWait(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    allowPositionals: true,
    options: { ...clientOptions, 'timeout-ms': { type: 'string' } },
  });
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const runId = onlyRunId(positionals);
  const timeoutMs = integer('--timeout-ms', values['timeout-ms']) ?? DEFAULT_WAIT_MS;
  return withClient(values, async (client) => {
    const run = await client.run.wait({ runId, timeoutMs });
    await (values.json ? printJson(run) : print(statusLine(run) + '\n'));
    if (run.finishedAt === null && !values.json) {
      console.error(`runyard: run ${runId} is still ${run.status} after waiting ${timeoutMs} ms`);
    }
    return run.status === 'succeeded' ? EXIT.ok : EXIT.failed;
  });
}
