// `runyard run list`: one page of runs, newest first, filtered by status, labels, action, service and text.
import { RunStatus } from '../../schema/run-record.js';
import { RunListParams } from '../../schema/run.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { checkValue } from '../schema-words.js';
import { commandMain } from '../command-main.js';
import { EXIT } from '../usage.js';
import { integer, runFilterOptions, runFilters } from './run-args.js';
import { print, printJson, runTable } from './run-format.js';

const OPTIONS = defineOptions({
  ...runFilterOptions,
  text: { type: 'string', value: 'TEXT', help: 'only runs whose id, command or a label as K=V holds TEXT' },
  limit: { type: 'string', value: 'N', help: 'runs per page (default 50, at most 1000)' },
  cursor: { type: 'string', value: 'C', help: 'the page after the one that printed "more: --cursor C"' },
  ...clientOptions,
});

export const declaration = { options: OPTIONS, positionals: [] } as const;

const HELP = `Usage: runyard run list [options]

Lists runs, newest first. When more remain, the last line on stderr says which --cursor shows them.

${optionLines(OPTIONS)}`;

export const runList = commandMain(
  HELP,
  { allowPositionals: false, options: OPTIONS },
  async ({ values }) => {
    for (const status of values.status ?? []) checkValue('--status', status, RunStatus);
    if (values.text !== undefined) checkValue('--text', values.text, RunListParams.properties.text);
    const params = {
      ...runFilters(values),
      status: values.status as RunStatus[] | undefined,
      text: values.text,
      limit: integer('--limit', values.limit),
      cursor: values.cursor,
    };
    return withClient(values, async (client) => {
      const page = await client.run.list(params);
      if (values.json) {
        await printJson(page);
        return EXIT.ok;
      }
      await print(runTable(page.runs));
      if (page.nextCursor !== null) await print(`more: --cursor ${page.nextCursor}\n`, process.stderr);
      return EXIT.ok;
    });
  },
);
