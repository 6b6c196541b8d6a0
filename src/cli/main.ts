#!/usr/bin/env node
// The runyard command: dispatches to one module per command, loaded only when it is used.
import { EXIT, UsageError } from './usage.js';

const HELP = `runyard — a local run daemon

Usage:
  runyard serve [--listen HOST:PORT] [--runs-dir DIR] [--state-dir DIR] [--config FILE]
                [--allow-origin ORIGIN]...
  runyard run start [options] [--follow] -- CMD [ARGS...]
  runyard run start ACTION [options] [--follow]
  runyard run status|cancel RUN_ID
  runyard run wait RUN_ID [--timeout-ms N]
  runyard run logs RUN_ID [--stderr] [--offset N] [--limit N] [--follow]
  runyard run list [--status S]... [--label K=V]... [--action NAME] [--service NAME]
                   [--limit N] [--cursor C]

  runyard action set NAME [--description D] [--cwd DIR] [--env K=V]... [--label K=V]... [--priority N]
                     [--timeout-ms N] [--kill-grace-ms N] -- CMD [ARGS...]
  runyard action set --file SPEC.json
  runyard action get|delete NAME
  runyard action list

  runyard service set NAME --action ACTION[:never|on-failure|always]... [--description D]
  runyard service set --file SPEC.json
  runyard service get|delete|status|restart NAME
  runyard service start NAME [--keep-jobs]
  runyard service stop NAME [--remove-jobs]
  runyard service list

  runyard index rebuild|prune [options]   offline maintenance of the run index
  runyard runs list|latest|reports|artifacts|cat [options] --runs-dir DIR
                                          retained runs read from the disk, no daemon needed

Every run, action and service command takes --json for machine output, and --url/--token/--state-dir
to find the daemon.
Run \`runyard COMMAND --help\` for the options of one command.
Exit codes: 0 success, 1 the request failed, 2 usage error, 141 stdout closed (e.g. \`| head\`).
With --follow: the run's outcome (0 succeeded, 1 failed or interrupted, 124 timed out, 130 cancelled).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./commands/serve.js')).serve(rest);
    case 'run':
      return (await import('./commands/run.js')).run(rest);
    case 'action':
      return (await import('./commands/action.js')).action(rest);
    case 'service':
      return (await import('./commands/service.js')).service(rest);
    case 'index':
      return (await import('./commands/maintain-index.js')).index(rest);
    case 'runs':
      return (await import('./commands/runs.js')).runs(rest);
    case '--version':
    case '-v':
      console.log((await import('../schema/version.js')).version);
      return EXIT.ok;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// A reader that goes away (`| head`) is not a crash: writes then fail with EPIPE, which ends us below.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
      process.exitCode = EXIT.closedPipe;
    } else if (error instanceof UsageError) {
      console.error(`runyard: ${error.message}\nRun \`runyard --help\` for usage.`);
      process.exitCode = EXIT.usage;
    } else {
      console.error(`runyard: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = EXIT.failed;
    }
  },
);
