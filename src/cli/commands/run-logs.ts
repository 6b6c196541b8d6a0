// `runyard run logs RUN_ID`: writes a run's stdout or stderr log, as far as it goes now.
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS_HELP, clientOptions, parseFlags, withClient } from '../client-options.js';
import { EXIT } from '../usage.js';
import { integer, onlyRunId } from './run-args.js';
import { print, printJson } from './run-format.js';

const HELP = `Usage: runyard run logs RUN_ID [options]

Writes the run's log as raw text: all of it as of now, or one slice with --limit.

  --stderr                the stderr log instead of stdout
  --offset N              start at this byte (default 0)
  --limit N               at most N bytes, in one request (--json always makes one request)
${CLIENT_OPTIONS_HELP}`;

export async function runLogs(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(() =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...clientOptions,
        stderr: { type: 'boolean' },
        offset: { type: 'string' },
        limit: { type: 'string' },
      },
    }),
  );
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const runId = onlyRunId(positionals);
  const stream = values.stderr ? 'stderr' : 'stdout';
  const offset = integer('--offset', values.offset, 0);
  const limit = integer('--limit', values.limit);
  return withClient(values, async (client) => {
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
}
