// `runyard runs cat RUN_ID PATH`: one report or artifact, chunk by chunk through retained.readArtifact, offline.
import { readArtifact } from '../../retained/read-artifact.js';
import { RetainedReadParams } from '../../schema/retained-files.js';
import { commandMain } from '../command-main.js';
import { EXIT, UsageError } from '../usage.js';
import { integer } from './run-args.js';
import { printJson } from './run-format.js';
import { defineOptions, optionLines } from '../options.js';
import { methodParams, offlineOptions, openRunsDir } from './runs-offline.js';

const OPTIONS = defineOptions({
  offset: { type: 'string', value: 'N', help: 'start at this byte (default 0)' },
  length: {
    type: 'string',
    value: 'N',
    help: 'with --json: bytes in the one chunk printed (default and most 1048576)',
  },
  ...offlineOptions,
  json: { ...offlineOptions.json, help: 'print one chunk exactly as the retained.* method answers it' },
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'RUN_ID' }, { name: 'PATH' }],
} as const;

const HELP = `Usage: runyard runs cat RUN_ID PATH [options]

Writes one file of a run to stdout, as raw bytes. PATH is relative to the run directory and must lie
under reports/, artifacts/ or logs/ (see \`runyard runs reports RUN_ID\`).

${optionLines(OPTIONS)}`;

export const runsCat = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    if (positionals.length !== 2)
      throw new UsageError(`expected RUN_ID and PATH, got ${positionals.length} arguments`);
    if (values.length !== undefined && !values.json) throw new UsageError('--length needs --json');
    const [runId, path] = positionals as [string, string];
    const params = methodParams<RetainedReadParams>(RetainedReadParams, {
      runId,
      path,
      offset: integer('--offset', values.offset, 0),
      length: integer('--length', values.length),
    });
    const index = await openRunsDir(values['runs-dir']);
    index.probe(runId);
    let chunk = await readArtifact(index, params);
    if (values.json) {
      await printJson(chunk);
      return EXIT.ok;
    }
    for (;;) {
      await write(Buffer.from(chunk.data, 'base64'));
      if (chunk.eof || chunk.length === 0) return EXIT.ok;
      chunk = await readArtifact(index, { ...params, offset: chunk.nextOffset });
    }
  },
);

function write(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())),
  );
}
