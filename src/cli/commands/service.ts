// `runyard service ...`: dispatches to one module per subcommand, loaded only when it is used.
import { EXIT, UsageError } from '../usage.js';

const HELP = `Usage: runyard service COMMAND [options]

A service is a named set of actions, started, stopped and restarted as one unit.

Commands:
  set NAME --action ACTION[:RESTART]...   create or replace a service (RESTART: never, on-failure, always)
  set --file SPEC.json                    the same from a JSON ServiceSpec (e.g. for backoff, startLimit)
  get NAME                                show one service
  list                                    list every service
  delete NAME                             stop a service and delete it
  start NAME [--keep-jobs]                start one run per action, replacing old runs unless --keep-jobs
  stop NAME [--remove-jobs]               cancel its runs; --remove-jobs also drops them from the index
  restart NAME                            stop, then start clean
  status NAME                             its state and, per action, run, uptime, restarts, last failure

Every command takes --json, --url, --token and --state-dir; start, stop, restart and status print the
status view that \`status\` prints.
Run \`runyard service COMMAND --help\` for the options of one command.`;

export async function service(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case 'set':
      return (await import('./service-set.js')).serviceSet(rest);
    case 'get':
      return (await import('./service-get.js')).serviceGet(rest);
    case 'list':
      return (await import('./service-list.js')).serviceList(rest);
    case 'delete':
      return (await import('./service-delete.js')).serviceDelete(rest);
    case 'start':
      return (await import('./service-start.js')).serviceStart(rest);
    case 'stop':
      return (await import('./service-stop.js')).serviceStop(rest);
    case 'restart':
      return (await import('./service-restart.js')).serviceRestart(rest);
    case 'status':
      return (await import('./service-status.js')).serviceStatus(rest);
    case undefined:
      console.error(HELP);
      return EXIT.usage;
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return EXIT.ok;
    default:
      throw new UsageError(`unknown service command "${subcommand}"`);
  }
}
