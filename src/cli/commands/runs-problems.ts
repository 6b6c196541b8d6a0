// `runyard runs problems`: retained.problems over a runs directory, offline.
import { listProblems } from '../../retained/list-problems.js';
import { RetainedProblemsParams } from '../../schema/retained-list.js';
import { commandMain } from '../command-main.js';
import { EXIT } from '../usage.js';
import { integer } from './run-args.js';
import { print, printJson } from './run-format.js';
import { problemsTable } from './runs-format.js';
import { defineOptions, optionLines } from '../options.js';
import { methodParams, offlineOptions, openRunsDir } from './runs-offline.js';

const OPTIONS = defineOptions({
  limit: { type: 'string', value: 'N', help: 'problems per page (default 100, at most 1000)' },
  cursor: { type: 'string', value: 'C', help: 'the page after the one that printed "more: --cursor C"' },
  ...offlineOptions,
});

export const declaration = { options: OPTIONS, positionals: [] } as const;

const HELP = `Usage: runyard runs problems [options]

Lists the run directories that cannot be (fully) read, with the file, the field and the reason.
They are left out of \`runs list\`; nothing about them stops the daemon.

${optionLines(OPTIONS)}`;

export const runsProblems = commandMain(
  HELP,
  { allowPositionals: false, options: OPTIONS },
  async ({ values }) => {
    const params = methodParams<RetainedProblemsParams>(RetainedProblemsParams, {
      limit: integer('--limit', values.limit),
      cursor: values.cursor,
    });
    const index = await openRunsDir(values['runs-dir']);
    const page = await listProblems(index, params);
    if (values.json) {
      await printJson(page);
      return EXIT.ok;
    }
    if (page.total === 0) await print('every run directory can be read\n', process.stderr);
    else await print(problemsTable(page.problems));
    if (page.nextCursor !== null) await print(`more: --cursor ${page.nextCursor}\n`, process.stderr);
    return EXIT.ok;
  },
);
