// `runyard run logs RUN_ID`: writes a run's stdout, stderr or both, as far as it goes now or until the run ends.
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { FOLLOW_EXIT_HELP, followToEnd } from '../follow-output.js';
import { lineOptions, parseLineOptions, showLines } from '../log-options.js';
import { commandMain } from '../command-main.js';
import { EXIT, UsageError } from '../usage.js';
import { integer, onlyRunId } from './run-args.js';
import { print, printJson } from './run-format.js';

const OPTIONS = defineOptions({
  ...lineOptions,
  stderr: { type: 'boolean', help: 'the same as --stream stderr' },
  offset: {
    type: 'string',
    value: 'N',
    help: 'start at this byte (default 0; not with --tail, --timestamps or --stream both)',
  },
  limit: {
    type: 'string',
    value: 'N',
    help: 'at most N bytes, in one request (--json always makes one request)',
  },
  follow: {
    type: 'boolean',
    short: 'f',
    help: 'keep writing until the run ends (not with --offset or --limit); with --json,\nevery event of the run (both streams) as one JSON line',
  },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'RUN_ID', completes: 'run-id' }],
} as const;

const HELP = `Usage: runyard run logs RUN_ID [options]

Writes the run's log: all of it as of now, its last lines with --tail, or one slice with --limit.
With --follow, writes that and then what the run writes next, until the run ends, with progress and
status changes on stderr.

${optionLines(OPTIONS)}

${FOLLOW_EXIT_HELP}`;

export const runLogs = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const runId = onlyRunId(positionals);
    if (values.stderr && values.stream !== undefined && values.stream !== 'stderr') {
      throw new UsageError(
        `--stderr means --stream stderr; it cannot be combined with --stream ${values.stream}`,
      );
    }
    const lines = parseLineOptions({ ...values, stream: values.stderr ? 'stderr' : values.stream });
    const offset = integer('--offset', values.offset, 0);
    const limit = integer('--limit', values.limit);
    if (values.follow && (offset !== undefined || limit !== undefined)) {
      throw new UsageError('--follow shows the whole log; it cannot be combined with --offset or --limit');
    }
    if (lines.isMarked && (offset !== undefined || limit !== undefined || values.json)) {
      throw new UsageError(
        '--tail, --timestamps and --stream both read whole lines; they cannot be combined with --offset, --limit or --json',
      );
    }
    return withClient(values, async (client) => {
      if (lines.isMarked) return showLines(client, [{ runId }], lines, values.follow === true);
      const stream = lines.streams[0]!;
      if (values.follow) {
        // The same place as without --follow, so `runyard run logs ID --stderr --follow | grep` works too.
        return followToEnd(client, runId, {
          json: values.json === true,
          routes: { [stream]: process.stdout },
        });
      }
      if (values.json || limit !== undefined) {
        const slice = await client.run.logs({ runId, stream, offset, limit });
        await (values.json ? printJson(slice) : print(slice.text));
        return EXIT.ok;
      }
      let next = offset ?? 0;
      for (;;) {
        const slice = await client.run.logs({ runId, stream, offset: next });
        await print(slice.text);
        // No progress happens when the log ends inside a character still being written; stop there.
        if (slice.nextOffset >= slice.size || slice.nextOffset === next) return EXIT.ok;
        next = slice.nextOffset;
      }
    });
  },
);
