// `runyard runs reports|artifacts RUN_ID`: retained.reports and retained.artifactManifest, offline.
import { artifactManifestOf, reportsOf } from '../../retained/reports.js';
import { RetainedRunRef } from '../../schema/retained-run.js';
import { EXIT, parseFlags } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';
import { artifactsTable, reportsTable } from './runs-format.js';
import { optionLines } from '../options.js';
import { methodParams, offlineOptions, openRunsDir } from './runs-offline.js';

export const declaration = { options: offlineOptions, positionals: [{ name: 'RUN_ID' }] } as const;

const HELP = {
  reports: `Usage: runyard runs reports RUN_ID [options]

Lists the reports of a run (path relative to its directory, size, media type). Read one with
\`runyard runs cat RUN_ID PATH\`.

${optionLines(offlineOptions)}`,
  artifacts: `Usage: runyard runs artifacts RUN_ID [options]

Lists the artifacts of a run (path, size, sha256, media type) from its artifact-manifest.json, or
computed from artifacts/ for an older run that has none (the directory is not modified).

${optionLines(offlineOptions)}`,
};

export async function runsFiles(command: 'reports' | 'artifacts', args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { allowPositionals: true, options: offlineOptions });
  if (values.help) {
    await print(HELP[command] + '\n');
    return EXIT.ok;
  }
  const { runId } = methodParams<{ runId: string }>(RetainedRunRef, { runId: only('RUN_ID', positionals) });
  const index = await openRunsDir(values['runs-dir']);
  index.probe(runId);
  const result =
    command === 'reports' ? await reportsOf(index, runId) : await artifactManifestOf(index, runId);
  if (values.json) await printJson(result);
  else await print('reports' in result ? reportsTable(result) : artifactsTable(result));
  if (!values.json && result.source === 'generated')
    await print(
      `(generated: the run recorded no ${command === 'reports' ? 'report list' : 'manifest'})\n`,
      process.stderr,
    );
  return EXIT.ok;
}
