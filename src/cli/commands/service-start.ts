// `runyard service start NAME`: starts one run per action, by default replacing the service's old runs.
import { ServiceName } from '../../schema/common.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { checkValue } from '../schema-words.js';
import { commandMain } from '../command-main.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';
import { statusView } from './service-format.js';

const OPTIONS = defineOptions({
  'keep-jobs': { type: 'boolean', help: 'keep the old runs, active and finished, and add the new ones' },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service start NAME [options]

Starts one run per action of the service and prints its status. By default it starts clean: its
active runs are cancelled and waited for, and its finished runs are removed from the index (their run
directories stay on disk).

${optionLines(OPTIONS)}`;

export const serviceStart = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const name = only('NAME', positionals);
    checkValue(undefined, name, ServiceName);
    // Without --keep-jobs the daemon's default (replace) applies.
    const params = values['keep-jobs'] ? { name, replaceExistingJobs: false } : { name };
    return withClient(values, async (client) => {
      const status = await client.service.start(params);
      await (values.json ? printJson(status) : print(statusView(status)));
      return EXIT.ok;
    });
  },
);
