// `runyard action set`: creates or replaces a named action, from flags and a command or from a JSON file.
import { ActionName } from '../../schema/common.js';
import type { ActionSpec } from '../../client/index.js';
import { CLIENT_OPTIONS_HELP, clientOptions, withClient } from '../client-options.js';
import { checkValue } from '../schema-words.js';
import { EXIT, UsageError, parseFlags } from '../usage.js';
import { actionBlock } from './action-format.js';
import { integer, keyValues, only, splitAtTerminator } from './run-args.js';
import { print, printJson } from './run-format.js';
import { readSpecFile } from './spec-file.js';

const HELP = `Usage: runyard action set NAME [options] -- CMD [ARGS...]
       runyard action set --file SPEC.json

Creates or replaces the action NAME, which runs CMD with ARGS without a shell, and prints it.
\`runyard run start NAME\` runs it; services start it too.

  --description D         what the action is for
  --cwd DIR               working directory (relative: to the run directory, the default)
  --env K=V               add a variable to the command's environment (repeatable; shown by name only)
  --label K=V             tag its runs (repeatable)
  --priority N            higher runs first (-1000 to 1000, default 0; a negative one as --priority=-5)
  --timeout-ms N          kill a run and end it timed_out after N milliseconds
  --kill-grace-ms N       milliseconds between SIGTERM and SIGKILL on cancel or timeout
  --file SPEC.json        the whole ActionSpec as JSON (\`-\` for stdin), e.g. to set retry; alone, without
                          NAME, command or the flags above
${CLIENT_OPTIONS_HELP}`;

const specOptions = {
  description: { type: 'string' },
  cwd: { type: 'string' },
  env: { type: 'string', multiple: true },
  label: { type: 'string', multiple: true },
  priority: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'kill-grace-ms': { type: 'string' },
} as const;

export async function actionSet(args: string[]): Promise<number> {
  const { values, tokens } = parseFlags(args, {
    allowPositionals: true,
    tokens: true,
    options: { ...clientOptions, ...specOptions, file: { type: 'string' } },
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
