// `runyard service set`: creates or replaces a service, from --action flags or from a JSON file.
import { ServiceName } from '../../schema/common.js';
import type { ServiceAction, ServiceSpec } from '../../client/index.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { checkValue } from '../schema-words.js';
import { commandMain } from '../command-main.js';
import { EXIT, UsageError } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';
import { serviceBlock } from './service-format.js';
import { readSpecFile } from './spec-file.js';

const RESTART_POLICIES = ['never', 'on-failure', 'always'] as const;

const OPTIONS = defineOptions({
  action: {
    type: 'string',
    multiple: true,
    value: 'ACTION[:RESTART]',
    help: 'an action of the service (repeatable, in order); RESTART says what happens\nwhen its run ends: never (the default), on-failure or always,\ne.g. --action dev-server:always --action typecheck',
    completes: 'action',
  },
  description: { type: 'string', value: 'D', help: 'what the service is for' },
  autostart: { type: 'boolean', help: 'start the service each time the daemon starts' },
  file: {
    type: 'string',
    value: 'SPEC.json',
    help: 'the whole ServiceSpec as JSON (`-` for stdin), e.g. to set backoff or\nstartLimit; alone, without NAME, --action, --description or --autostart',
    completes: 'file',
  },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'NAME', completes: 'service' }],
} as const;

const HELP = `Usage: runyard service set NAME --action ACTION[:RESTART]... [options]
       runyard service set --file SPEC.json

Creates or replaces the service NAME, which starts one run of each ACTION, and prints it. Every
action must exist already (\`runyard action set\`).

${optionLines(OPTIONS)}`;

export const serviceSet = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    let spec: object;
    if (values.file !== undefined) {
      const extras = [
        ...(positionals.length > 0 ? ['NAME'] : []),
        ...(values.action ? ['--action'] : []),
        ...(values.description !== undefined ? ['--description'] : []),
        ...(values.autostart ? ['--autostart'] : []),
      ];
      if (extras.length > 0)
        throw new UsageError(`--file holds the whole spec; leave out ${extras.join(', ')}`);
      spec = await readSpecFile(values.file);
    } else {
      const name = only('NAME', positionals);
      checkValue(undefined, name, ServiceName);
      if (!values.action) throw new UsageError('missing --action: a service needs at least one');
      spec = {
        name,
        description: values.description,
        actions: values.action.map(serviceAction),
        ...(values.autostart ? { autostart: true } : {}),
      } satisfies Partial<Record<keyof ServiceSpec, unknown>>;
    }
    return withClient(values, async (client) => {
      // The daemon validates the spec against its schema, so a bad --file fails there with the rule it broke.
      const service = await client.service.set(spec as ServiceSpec);
      await (values.json ? printJson(service) : print(serviceBlock(service)));
      return EXIT.ok;
    });
  },
);

/** `dev-server:always` → `{ action: 'dev-server', restart: 'always' }`; action names cannot hold a colon. */
function serviceAction(flag: string): ServiceAction {
  const split = flag.lastIndexOf(':');
  if (split < 0) return { action: flag };
  const restart = flag.slice(split + 1);
  if (!isRestartPolicy(restart)) {
    throw new UsageError(
      `--action ${flag}: the restart policy must be never, on-failure or always, got "${restart}"`,
    );
  }
  return { action: flag.slice(0, split), restart };
}

function isRestartPolicy(text: string): text is (typeof RESTART_POLICIES)[number] {
  return (RESTART_POLICIES as readonly string[]).includes(text);
}
