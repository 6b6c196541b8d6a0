// `runyard action set`: creates or replaces a named action, from flags and a command or from a JSON file.
import { ActionName } from '../../schema/common.js';
import type { ActionSpec } from '../../client/index.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { checkValue } from '../schema-words.js';
import { EXIT, UsageError, parseFlags } from '../usage.js';
import { actionBlock } from './action-format.js';
import { integer, keyValues, only, splitAtTerminator } from './run-args.js';
import { print, printJson } from './run-format.js';
import { readSpecFile } from './spec-file.js';

const specOptions = defineOptions({
  description: { type: 'string', value: 'D', help: 'what the action is for' },
  cwd: {
    type: 'string',
    value: 'DIR',
    help: 'working directory (relative: to the run directory, the default)',
    completes: 'dir',
  },
  env: {
    type: 'string',
    multiple: true,
    value: 'K=V',
    help: "add a variable to the command's environment (repeatable; shown by name only)",
  },
  label: { type: 'string', multiple: true, value: 'K=V', help: 'tag its runs (repeatable)' },
  priority: {
    type: 'string',
    value: 'N',
    help: 'higher runs first (-1000 to 1000, default 0; a negative one as --priority=-5)',
  },
  'timeout-ms': { type: 'string', value: 'N', help: 'kill a run and end it timed_out after N milliseconds' },
  'kill-grace-ms': {
    type: 'string',
    value: 'N',
    help: 'milliseconds between SIGTERM and SIGKILL on cancel or timeout',
  },
});

const OPTIONS = defineOptions({
  ...specOptions,
  file: {
    type: 'string',
    value: 'SPEC.json',
    help: 'the whole ActionSpec as JSON (`-` for stdin), e.g. to set retry; alone, without\nNAME, command or the flags above',
    completes: 'file',
  },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [
    { name: 'NAME', completes: 'action' },
    { name: 'CMD', completes: 'command' },
  ],
} as const;

const HELP = `Usage: runyard action set NAME [options] -- CMD [ARGS...]
       runyard action set --file SPEC.json

Creates or replaces the action NAME, which runs CMD with ARGS without a shell, and prints it.
\`runyard run start NAME\` runs it; services start it too.

${optionLines(OPTIONS)}`;

export async function actionSet(args: string[]): Promise<number> {
  const { values, tokens } = parseFlags(args, {
    allowPositionals: true,
    tokens: true,
    options: OPTIONS,
  });
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const { before, after: argv } = splitAtTerminator(args, tokens);

  let spec: object;
  if (values.file !== undefined) {
    const extras = [
      ...(before.length > 0 ? ['NAME'] : []),
      ...(argv.length > 0 ? ['the command'] : []),
      ...Object.keys(specOptions)
        .filter((flag) => values[flag as keyof typeof specOptions] !== undefined)
        .map((flag) => `--${flag}`),
    ];
    if (extras.length > 0) {
      throw new UsageError(`--file holds the whole spec; leave out ${extras.join(', ')}`);
    }
    spec = await readSpecFile(values.file);
  } else {
    if (before.length > 1) {
      throw new UsageError(
        `expected one NAME before --, got ${before.length} arguments; put the command after --, e.g. -- ${before.slice(1).join(' ')}`,
      );
    }
    const name = only('NAME', before);
    checkValue(undefined, name, ActionName);
    if (argv.length === 0)
      throw new UsageError('missing command: runyard action set NAME [options] -- CMD [ARGS...]');
    spec = {
      name,
      description: values.description,
      argv,
      cwd: values.cwd,
      env: keyValues('--env', values.env),
      labels: keyValues('--label', values.label),
      priority: integer('--priority', values.priority, -1000),
      timeoutMs: integer('--timeout-ms', values['timeout-ms']),
      killGraceMs: integer('--kill-grace-ms', values['kill-grace-ms'], 0),
    } satisfies Partial<Record<keyof ActionSpec, unknown>>;
  }
  return withClient(values, async (client) => {
    // The daemon validates the spec against its schema, so a bad --file fails there with the rule it broke.
    const action = await client.action.set(spec as ActionSpec);
    await (values.json ? printJson(action) : print(actionBlock(action)));
    return EXIT.ok;
  });
}
