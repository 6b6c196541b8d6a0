// `runyard run ...`: dispatches to one module per subcommand, loaded only when it is used.
import { EXIT, UsageError } from '../usage.js';

const HELP = `Usage: runyard run COMMAND [options]

Commands:
  start [options] [--follow] -- CMD [ARGS...]       queue a command as a new run and print its id
  start ACTION [options] [--follow]                 queue a run of an action, options overriding its own
  status RUN_ID                                     show one run
  list [--status S]... [--label K=V]...             list runs, newest first
  list [--action NAME] [--service NAME]             list the runs an action or a service created
  cancel RUN_ID                                     cancel a queued, running or retrying run
  wait RUN_ID [--timeout-ms N]                      wait for a run to end; exit 0 only if it succeeded
  logs RUN_ID [--stderr] [--offset N] [--limit N]   print what a run wrote
  logs RUN_ID [--stderr] --follow                   print it, then stream it live until the run ends

Every command takes --json, --url, --token and --state-dir. With --follow the exit code is the
run's outcome: 0 succeeded, 1 failed or interrupted, 124 timed out, 130 cancelled.
Run \`runyard run COMMAND --help\` for the options of one command.`;

export async function run(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case 'start':
      return (await import('./run-start.js')).runStart(rest);
    case 'status':
      return (await import('./run-status.js')).runStatus(rest);
    case 'list':
      return (await import('./run-list.js')).runList(rest);
    case 'cancel':
      return (await import('./run-cancel.js')).runCancel(rest);
    case 'wait':
      return (await import('./run-wait.js')).runWait(rest);
    case 'logs':
      return (await import('./run-logs.js')).runLogs(rest);
    case undefined:
      console.error(HELP);
      return EXIT.usage;
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return EXIT.ok;
    default:
      throw new UsageError(`unknown run command "${subcommand}"`);
  }
}
