// `runyard action ...`: dispatches to one module per subcommand, loaded only when it is used.
import { EXIT, UsageError } from '../usage.js';

const HELP = `Usage: runyard action COMMAND [options]

An action is a named run template: \`runyard run start NAME\` runs it, and services start it.

Commands:
  set NAME [options] -- CMD [ARGS...]   create or replace an action
  set --file SPEC.json                  the same from a JSON ActionSpec (e.g. to set retry)
  get NAME                              show one action (environment variable names, never values)
  list                                  list every action
  delete NAME                           delete an action that no service uses

Every command takes --json, --url, --token and --state-dir.
Run \`runyard action COMMAND --help\` for the options of one command.`;

export async function action(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case 'set':
      return (await import('./action-set.js')).actionSet(rest);
    case 'get':
      return (await import('./action-get.js')).actionGet(rest);
    case 'list':
      return (await import('./action-list.js')).actionList(rest);
    case 'delete':
      return (await import('./action-delete.js')).actionDelete(rest);
    case undefined:
      console.error(HELP);
      return EXIT.usage;
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return EXIT.ok;
    default:
      throw new UsageError(`unknown action command "${subcommand}"`);
  }
}
