// The shape most daemon-facing commands share: the client flags and at most one positional, one call, its answer printed.
import type { RunyardClient } from '../../client/index.js';
import { clientOptions, withClient } from '../client-options.js';
import { optionLines, type PositionalSpec } from '../options.js';
import { checkValue, type JsonSchema } from '../schema-words.js';
import { EXIT, parseFlags } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';

export interface OneCallCommand<Answer> {
  /** Printed on stdout for --help, above the option lines. */
  help: string;
  /** Its one positional, named in usage errors (`NAME`, `RUN_ID`); none when it takes none. */
  declaration: { positionals: readonly [PositionalSpec] | readonly [] };
  /** The contract's schema of the positional (RunId, ActionName): a value that does not fit is refused in words. */
  schema?: JsonSchema;
  call: (client: RunyardClient, positional: string) => Promise<Answer>;
  /** The answer for people; --json prints the answer itself, or what `json` makes of it. */
  format: (answer: Answer, positional: string) => string;
  json?: (answer: Answer) => unknown;
}

export function oneCallCommand<Answer>(command: OneCallCommand<Answer>): (args: string[]) => Promise<number> {
  return async (args) => {
    const [declared] = command.declaration.positionals;
    const { values, positionals } = parseFlags(args, {
      allowPositionals: declared !== undefined,
      options: clientOptions,
    });
    if (values.help) {
      await print(`${command.help}\n\n${optionLines(clientOptions)}\n`);
      return EXIT.ok;
    }
    const positional = declared === undefined ? '' : only(declared.name, positionals);
    if (command.schema) checkValue(undefined, positional, command.schema);
    return withClient(values, async (client) => {
      const answer = await command.call(client, positional);
      await (values.json
        ? printJson(command.json ? command.json(answer) : answer)
        : print(command.format(answer, positional)));
      return EXIT.ok;
    });
  };
}
