// `runyard run start`: queues an action, or everything after --, as a new run and prints its id, or follows
// it to its end.
import { resolve } from 'node:path';
import { ActionName } from '../../schema/common.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { FOLLOW_EXIT_HELP, followToEnd } from '../follow-output.js';
import { checkValue } from '../schema-words.js';
import { EXIT, UsageError, parseFlags } from '../usage.js';
import { integer, keyValues, splitAtTerminator } from './run-args.js';
import { print, printJson } from './run-format.js';

const OPTIONS = defineOptions({
  label: { type: 'string', multiple: true, value: 'K=V', help: 'tag the run (repeatable)' },
  env: {
    type: 'string',
    multiple: true,
    value: 'K=V',
    help: "add a variable to the command's environment (repeatable; only names are recorded)",
  },
  cwd: {
    type: 'string',
    value: 'DIR',
    help: "working directory; a relative DIR is taken from the shell's directory\n(default: the run directory)",
    completes: 'dir',
  },
  'output-dir': {
    type: 'string',
    value: 'DIR',
    help: 'run directory instead of <runs-dir>/<run-id>; must be inside the runs directory',
    completes: 'dir',
  },
  overwrite: { type: 'boolean', help: 'reuse a non-empty --output-dir, removing its old contents' },
  'timeout-ms': {
    type: 'string',
    value: 'N',
    help: 'kill the run and end it timed_out after N milliseconds',
  },
  'idempotency-key': {
    type: 'string',
    value: 'KEY',
    help: 'starting again with the same key returns the first run',
  },
  follow: {
    type: 'boolean',
    help: 'stream the run until it ends; with --json, every event as one JSON line',
  },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [
    { name: 'ACTION', completes: 'action' },
    { name: 'CMD', completes: 'command' },
  ],
} as const;

const HELP = `Usage: runyard run start [options] -- CMD [ARGS...]
       runyard run start ACTION [options]

Queues CMD with ARGS as a new run, executed without a shell, or a run of the action ACTION
(\`runyard action set\`), and prints its run id. With an action, the options below override its own
fields, and --label and --env add to its labels and environment.
With --follow, prints the run id on stderr instead and shows the run until it ends: its stdout and
stderr as it writes them, progress and status changes on stderr.

${optionLines(OPTIONS)}

${FOLLOW_EXIT_HELP}`;

export async function runStart(args: string[]): Promise<number> {
  const { values, tokens } = parseFlags(args, {
    allowPositionals: true,
    tokens: true,
    options: OPTIONS,
  });
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const { before, after: argv } = splitAtTerminator(args, tokens);
  if (before.length > 1)
    throw new UsageError(`give one ACTION, or put the command after --, e.g. -- ${before.join(' ')}`);
  const action = before[0];
  if (action !== undefined && argv.length > 0)
    throw new UsageError(`give an ACTION or a command after --, not both (got ${action} and -- ${argv[0]})`);
  if (action === undefined && argv.length === 0)
    throw new UsageError(
      'missing command: runyard run start [options] -- CMD [ARGS...], or runyard run start ACTION',
    );
  if (action !== undefined) checkValue(undefined, action, ActionName);
  const params = {
    ...(action === undefined ? { argv } : { action }),
    labels: keyValues('--label', values.label),
    env: keyValues('--env', values.env),
    // The daemon takes a relative cwd from the run directory, which no shell user means by `--cwd src`.
    cwd: values.cwd === undefined ? undefined : resolve(values.cwd),
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
