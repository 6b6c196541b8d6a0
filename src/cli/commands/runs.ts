// `runyard runs ...`: retained runs read straight from a runs directory, no daemon needed.
import { EXIT, UsageError } from '../usage.js';

const HELP = `Usage: runyard runs COMMAND [options] [--runs-dir DIR] [--json]

Reads the run directories themselves, without a daemon, through the same code as the retained.*
methods: with --json the output is exactly what the method would answer.

Commands:
  list [filters] [--include-partial] [--limit N] [--cursor C]   retained runs, newest first
  latest [filters]                                               the newest retained run that matches
  reports RUN_ID                                                 a run's reports
  artifacts RUN_ID                                               a run's artifact manifest
  cat RUN_ID PATH                                                write one report or artifact to stdout
  problems [--limit N] [--cursor C]                              run directories that cannot be read, and why

RUN_ID is a run's id or its directory relative to the runs directory (another producer's
directories are named by their own ids: time stamps, slugs, paths).

Run \`runyard runs COMMAND --help\` for the options of one command.`;

export async function runs(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  switch (subcommand) {
    case 'list':
    case 'latest':
      return (await import('./runs-list.js')).runsList(subcommand, rest);
    case 'reports':
    case 'artifacts':
      return (await import('./runs-files.js')).runsFiles(subcommand, rest);
    case 'cat':
      return (await import('./runs-cat.js')).runsCat(rest);
    case 'problems':
      return (await import('./runs-problems.js')).runsProblems(rest);
    case undefined:
      console.error(HELP);
      return EXIT.usage;
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return EXIT.ok;
    default:
      throw new UsageError(`unknown runs command "${subcommand}"`);
  }
}
