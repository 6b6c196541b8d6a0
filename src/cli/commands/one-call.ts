// The shape most daemon-facing commands share: the client flags and at most one positional, one call, its answer printed.
import type { RunyardClient } from '../../client/index.js';
import { clientOptions, withClient } from '../client-options.js';
import { checkValue, type JsonSchema } from '../schema-words.js';
import { EXIT, parseFlags } from '../usage.js';
import { only } from './run-args.js';
import { print, printJson } from './run-format.js';

export interface OneCallCommand<Answer> {
  /** Printed on stdout for --help. */
  help: string;
  /** What the one positional is called in usage errors (`NAME`, `RUN_ID`); absent when it takes none. */
  positional?: string;
  /** The contract's schema of the positional (RunId, ActionName): a value that does not fit is refused in words. */
  schema?: JsonSchema;
  call: (client: RunyardClient, positional: string) => Promise<Answer>;
  /** The answer for people; --json prints the answer itself, or what `json` makes of it. */
  format: (answer: Answer, positional: string) => string;
  json?: (answer: Answer) => unknown;
}

export function oneCallCommand<Answer>(command: OneCallCommand<Answer>): (args: string[]) => Promise<number> {
  return async (args) => {
    const { values, positionals } = parseFlags(args, {
      allowPositionals: command.positional !== undefined,
      options: clientOptions,
    });
    if (values.help) {
      await print(command.help + '\n');
      return EXIT.ok;
    }
    const positional = command.positional === undefined ? '' : only(command.positional, positionals);
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
