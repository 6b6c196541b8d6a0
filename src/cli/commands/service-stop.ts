// `runyard service stop NAME`: cancels the service's active runs and waits for them to end.
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
  'remove-jobs': {
    type: 'boolean',
    help: 'also remove its finished runs from the index (run directories stay on disk)',
  },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service stop NAME [options]

Cancels the service's active runs, waits for them to end and prints its status. Nothing restarts
until the next \`runyard service start\`.

${optionLines(OPTIONS)}`;

export const serviceStop = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const name = only('NAME', positionals);
    checkValue(undefined, name, ServiceName);
    const params = values['remove-jobs'] ? { name, removeJobs: true } : { name };
    return withClient(values, async (client) => {
      const status = await client.service.stop(params);
      await (values.json ? printJson(status) : print(statusView(status)));
      return EXIT.ok;
    });
  },
);
