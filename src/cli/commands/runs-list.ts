// `runyard runs list|latest`: retained.list and retained.latest over a runs directory, offline.
import { latestRetained, listRetained } from '../../retained/list.js';
import {
  RetainedLatestParams,
  RetainedListParams,
  type RetainedListParams as ListParams,
} from '../../schema/retained-list.js';
import { EXIT, parseFlags } from '../usage.js';
import { integer, runFilterOptions, runFilters } from './run-args.js';
import { print, printJson } from './run-format.js';
import { retainedBlock, retainedTable } from './runs-format.js';
import { defineOptions, optionLines } from '../options.js';
import { methodParams, offlineOptions, openRunsDir } from './runs-offline.js';

// Retained runs may come from another producer, so its action and service are ids, not our names.
const FILTER_OPTIONS = defineOptions({
  ...runFilterOptions,
  action: { ...runFilterOptions.action, value: 'ID', help: 'only runs of this action' },
  service: { ...runFilterOptions.service, value: 'ID', help: 'only runs of this service' },
  since: { type: 'string', value: 'TIME', help: 'only runs that finished at or after TIME (ISO 8601)' },
  until: { type: 'string', value: 'TIME', help: 'only runs that finished before TIME' },
});

const LIST_OPTIONS = defineOptions({
  ...FILTER_OPTIONS,
  'include-partial': {
    type: 'boolean',
    help: 'also list directories with run.json but no summary, as status incomplete',
  },
  limit: { type: 'string', value: 'N', help: 'runs per page (default 50, at most 1000)' },
  cursor: { type: 'string', value: 'C', help: 'the page after the one that printed "more: --cursor C"' },
  ...offlineOptions,
});

const LATEST_OPTIONS = defineOptions({ ...FILTER_OPTIONS, ...offlineOptions });

export const declarations = {
  list: { options: LIST_OPTIONS, positionals: [] },
  latest: { options: LATEST_OPTIONS, positionals: [] },
} as const;

const HELP = {
  list: `Usage: runyard runs list [options]

Lists retained runs (directories holding retention-summary.json), newest first by finish time.
When more remain, the last line on stderr says which --cursor shows them.

${optionLines(LIST_OPTIONS)}`,
  latest: `Usage: runyard runs latest [options]

Shows the newest retained run that matches; exit 1 when none does.

${optionLines(LATEST_OPTIONS)}`,
};

export async function runsList(command: 'list' | 'latest', args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    allowPositionals: false,
    // The union keeps `values` typed with list's options, which latest leaves undefined.
    options: command === 'list' ? LIST_OPTIONS : (LATEST_OPTIONS as typeof LIST_OPTIONS),
  });
  if (values.help) {
    await print(HELP[command] + '\n');
    return EXIT.ok;
  }
  const filters = {
    ...runFilters(values),
    since: values.since,
    until: values.until,
  };
  const index = await openRunsDir(values['runs-dir']);
  if (command === 'latest') {
    const run = await latestRetained(
      index,
      methodParams<RetainedLatestParams>(RetainedLatestParams, filters),
    );
    if (values.json) await printJson(run);
    else if (run) await print(retainedBlock(run));
    else await print('no retained run matches\n', process.stderr);
    return run ? EXIT.ok : EXIT.failed;
  }
  const params = methodParams<ListParams>(RetainedListParams, {
    ...filters,
    includePartial: values['include-partial'],
    limit: integer('--limit', values.limit as string | undefined),
    cursor: values.cursor,
  });
  const page = await listRetained(index, params);
  if (values.json) {
    await printJson(page);
    return EXIT.ok;
  }
  await print(retainedTable(page.runs));
  const notes = [
    page.nextCursor !== null ? `more: --cursor ${page.nextCursor}` : '',
    page.skipped > 0
      ? `skipped ${page.skipped} unreadable run director${page.skipped === 1 ? 'y' : 'ies'}`
      : '',
    page.incomplete > 0 && !params.includePartial
      ? `${page.incomplete} incomplete run director${page.incomplete === 1 ? 'y' : 'ies'} (--include-partial lists them)`
      : '',
  ].filter(Boolean);
  if (notes.length > 0) await print(notes.map((note) => `${note}\n`).join(''), process.stderr);
  return EXIT.ok;
}
