// `runyard config check FILE`: what `runyard serve --config FILE` would make of the file, without a daemon.
import { defineOptions, optionLines } from '../options.js';
import { checkConfigFile } from '../serve-config.js';
import { commandMain } from '../command-main.js';
import { EXIT } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';

const OPTIONS = defineOptions({
  json: { type: 'boolean', help: 'print {"file", "actions", "services", "settings", "notes"} as JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
});

export const declaration = { options: OPTIONS, positionals: [{ name: 'FILE', completes: 'file' }] } as const;

const HELP = `Usage: runyard config check FILE [options]

Checks a config file as \`runyard serve --config FILE\` would, without a daemon: JSON, the schema
(schema/runyard.config.schema.json), Origins that can never match, names declared twice, a listen
address and its --allow-remote. Exit 0 when it is valid, 1 with every problem found otherwise.
A service may name an action the file does not declare, if the daemon has it already: that is
listed as a note, as only the daemon can tell.

${optionLines(OPTIONS)}`;

export const configCheck = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const { path, config } = await checkConfigFile(only('FILE', positionals));
    const { actions = [], services = [], daemon = {} } = config;
    const declared = new Set(actions.map((action) => action.name));
    const notes = services.flatMap((service) =>
      service.actions
        .filter(({ action }) => !declared.has(action))
        .map(
          ({ action }) =>
            `service ${service.name} names action ${action}, which the daemon must have already`,
        ),
    );
    const summary = {
      file: path,
      actions: actions.length,
      services: services.length,
      settings: settingNames(daemon),
      notes,
    };
    if (values.json) await printJson(summary);
    else
      await print(
        `${path}: valid: ${count(actions.length, 'action')}, ${count(services.length, 'service')}, ` +
          `daemon settings: ${summary.settings.join(', ') || 'none'}\n` +
          notes.map((note) => `note: ${note}\n`).join(''),
      );
    return EXIT.ok;
  },
);

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The settings the file sets, by their keys: `listen`, `log.level`. */
function settingNames(section: object, prefix = ''): string[] {
  return Object.entries(section).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? settingNames(value as object, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}
