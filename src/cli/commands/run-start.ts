// `runyard run start`: queues everything after -- as a new run and prints its id, or follows it to its end.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { FOLLOW_EXIT_HELP, followToEnd } from '../follow-output.js';
import { EXIT, UsageError } from '../usage.js';
import { integer, keyValues } from './run-args.js';
import { print, printJson } from './run-format.js';

const HELP = `Usage: runyard run start [options] -- CMD [ARGS...]

Queues CMD with ARGS as a new run, executed without a shell, and prints its run id.
With --follow, prints the run id on stderr instead and shows the run until it ends: its stdout and
stderr as it writes them, progress and status changes on stderr.

  --label K=V             tag the run (repeatable)
  --env K=V               add a variable to the command's environment (repeatable; only names are recorded)
  --cwd DIR               working directory, relative to the run directory (default: the run directory)
  --output-dir DIR        run directory instead of <runs-dir>/<run-id>; must be inside the runs directory
  --overwrite             reuse a non-empty --output-dir, removing its old contents
  --timeout-ms N          kill the run and end it timed_out after N milliseconds
  --idempotency-key KEY   starting again with the same key returns the first run
  --follow                stream the run until it ends; with --json, every event as one JSON line
${CLIENT_OPTIONS_HELP}

${FOLLOW_EXIT_HELP}`;

export async function runStart(args: string[]): Promise<number> {
  const { values, tokens } = parseFlags(() =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      tokens: true,
      options: {
        ...clientOptions,
        label: { type: 'string', multiple: true },
        env: { type: 'string', multiple: true },
        cwd: { type: 'string' },
        'output-dir': { type: 'string' },
        overwrite: { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        'idempotency-key': { type: 'string' },
        follow: { type: 'boolean' },
      },
    }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const terminator = tokens.find((token) => token.kind === 'option-terminator');
  // Requiring -- keeps the command's own flags from ever being read as ours.
  const stray = tokens.find(
    (token) => token.kind === 'positional' && (!terminator || token.index < terminator.index),
  );
  if (stray?.kind === 'positional') throw new UsageError(`put the command after --, e.g. -- ${stray.value}`);
  const argv = terminator ? args.slice(terminator.index + 1) : [];
  if (argv.length === 0)
    throw new UsageError('missing command: runyard run start [options] -- CMD [ARGS...]');
  const params = {
    argv,
    labels: keyValues('--label', values.label),
    env: keyValues('--env', values.env),
    cwd: values.cwd,
    outputDir: values['output-dir'],
    overwrite: values.overwrite,
    timeoutMs: integer('--timeout-ms', values['timeout-ms']),
    idempotencyKey: values['idempotency-key'],
  };
  return withClient(values, async (client) => {
    const run = await client.run.start(params);
    if (values.follow) {
      // stdout belongs to the run's output.
      await print(run.runId + '\n', process.stderr);
      return followToEnd(client, run.runId, {
        json: values.json === true,
        routes: { stdout: process.stdout, stderr: process.stderr },
      });
    }
    await (values.json ? printJson(run) : print(run.runId + '\n'));
    return EXIT.ok;
  });
}
