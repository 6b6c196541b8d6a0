// Every runyard command: one table per group, from which src/cli/dispatch.ts derives dispatch and help.
import type { CommandGroup } from './dispatch.js';
import { EXIT } from './usage.js';

const run: CommandGroup = {
  name: 'runyard run',
  outro: `Every command takes --json, --url, --token and --state-dir. With --follow the exit code is the
run's outcome: 0 succeeded, 1 failed or interrupted, 124 timed out, 130 cancelled.
Run \`runyard run COMMAND --help\` for the options of one command.`,
  commands: {
    start: {
      usage: [
        ['start [options] [--follow] -- CMD [ARGS...]', 'queue a command as a new run and print its id'],
        ['start ACTION [options] [--follow]', 'queue a run of an action, options overriding its own'],
      ],
      main: async (args) => (await import('./commands/run-start.js')).runStart(args),
      declaration: async () => (await import('./commands/run-start.js')).declaration,
    },
    status: {
      usage: [['status RUN_ID', 'show one run']],
      main: async (args) => (await import('./commands/run-status.js')).runStatus(args),
      declaration: async () => (await import('./commands/run-status.js')).declaration,
    },
    list: {
      usage: [
        ['list [--status S]... [--label K=V]...', 'list runs, newest first'],
        ['list [--action NAME] [--service NAME]', 'list the runs an action or a service created'],
      ],
      main: async (args) => (await import('./commands/run-list.js')).runList(args),
      declaration: async () => (await import('./commands/run-list.js')).declaration,
    },
    cancel: {
      usage: [['cancel RUN_ID', 'cancel a queued, running or retrying run']],
      main: async (args) => (await import('./commands/run-cancel.js')).runCancel(args),
      declaration: async () => (await import('./commands/run-cancel.js')).declaration,
    },
    wait: {
      usage: [['wait RUN_ID [--timeout-ms N]', 'wait for a run to end; exit 0 only if it succeeded']],
      main: async (args) => (await import('./commands/run-wait.js')).runWait(args),
      declaration: async () => (await import('./commands/run-wait.js')).declaration,
    },
    logs: {
      usage: [
        [
          'logs RUN_ID [--stream S] [--tail N] [--timestamps]',
          'print what a run wrote (S: stdout, stderr, both)',
        ],
        ['logs RUN_ID [--offset N] [--limit N]', 'print one byte range of it'],
        ['logs RUN_ID [options] -f|--follow', 'print it, then stream it live until the run ends'],
      ],
      main: async (args) => (await import('./commands/run-logs.js')).runLogs(args),
      declaration: async () => (await import('./commands/run-logs.js')).declaration,
    },
  },
};

const action: CommandGroup = {
  name: 'runyard action',
  intro: 'An action is a named run template: `runyard run start NAME` runs it, and services start it.',
  outro: `Every command takes --json, --url, --token and --state-dir.
Run \`runyard action COMMAND --help\` for the options of one command.`,
  commands: {
    set: {
      usage: [
        ['set NAME [options] -- CMD [ARGS...]', 'create or replace an action'],
        ['set --file SPEC.json', 'the same from a JSON ActionSpec (e.g. to set retry)'],
      ],
      main: async (args) => (await import('./commands/action-set.js')).actionSet(args),
      declaration: async () => (await import('./commands/action-set.js')).declaration,
    },
    get: {
      usage: [['get NAME', 'show one action (environment variable names, never values)']],
      main: async (args) => (await import('./commands/action-get.js')).actionGet(args),
      declaration: async () => (await import('./commands/action-get.js')).declaration,
    },
    list: {
      usage: [['list', 'list every action']],
      main: async (args) => (await import('./commands/action-list.js')).actionList(args),
      declaration: async () => (await import('./commands/action-list.js')).declaration,
    },
    delete: {
      usage: [['delete NAME', 'delete an action that no service uses']],
      main: async (args) => (await import('./commands/action-delete.js')).actionDelete(args),
      declaration: async () => (await import('./commands/action-delete.js')).declaration,
    },
  },
};

const service: CommandGroup = {
  name: 'runyard service',
  intro: 'A service is a named set of actions, started, stopped and restarted as one unit.',
  outro: `Every command takes --json, --url, --token and --state-dir; start, stop, restart and status print the
status view that \`status\` prints.
Run \`runyard service COMMAND --help\` for the options of one command.`,
  commands: {
    set: {
      usage: [
        [
          'set NAME --action ACTION[:RESTART]...',
          'create or replace a service (RESTART: never, on-failure, always)',
        ],
        ['set --file SPEC.json', 'the same from a JSON ServiceSpec (e.g. for backoff, startLimit)'],
      ],
      main: async (args) => (await import('./commands/service-set.js')).serviceSet(args),
      declaration: async () => (await import('./commands/service-set.js')).declaration,
    },
    get: {
      usage: [['get NAME', 'show one service']],
      main: async (args) => (await import('./commands/service-get.js')).serviceGet(args),
      declaration: async () => (await import('./commands/service-get.js')).declaration,
    },
    list: {
      usage: [['list', 'list every service']],
      main: async (args) => (await import('./commands/service-list.js')).serviceList(args),
      declaration: async () => (await import('./commands/service-list.js')).declaration,
    },
    delete: {
      usage: [['delete NAME', 'stop a service and delete it']],
      main: async (args) => (await import('./commands/service-delete.js')).serviceDelete(args),
      declaration: async () => (await import('./commands/service-delete.js')).declaration,
    },
    start: {
      usage: [
        ['start NAME [--keep-jobs]', 'start one run per action, replacing old runs unless --keep-jobs'],
      ],
      main: async (args) => (await import('./commands/service-start.js')).serviceStart(args),
      declaration: async () => (await import('./commands/service-start.js')).declaration,
    },
    stop: {
      usage: [['stop NAME [--remove-jobs]', 'cancel its runs; --remove-jobs also drops them from the index']],
      main: async (args) => (await import('./commands/service-stop.js')).serviceStop(args),
      declaration: async () => (await import('./commands/service-stop.js')).declaration,
    },
    restart: {
      usage: [['restart NAME', 'stop, then start clean']],
      main: async (args) => (await import('./commands/service-restart.js')).serviceRestart(args),
      declaration: async () => (await import('./commands/service-restart.js')).declaration,
    },
    status: {
      usage: [['status NAME', 'its state and, per action, run, uptime, restarts, last failure']],
      main: async (args) => (await import('./commands/service-status.js')).serviceStatus(args),
      declaration: async () => (await import('./commands/service-status.js')).declaration,
    },
  },
};

const index: CommandGroup = {
  name: 'runyard index',
  intro: 'Offline maintenance of the run index: both refuse to run while a daemon uses the state directory.',
  outro: 'Run `runyard index COMMAND --help` for the options of one command.',
  commands: {
    rebuild: {
      usage: [['rebuild [options]', 'make the index agree with the run directories']],
      main: async (args) => (await import('./commands/maintain-index.js')).maintainIndex('rebuild', args),
      declaration: async () => (await import('./commands/maintain-index.js')).declaration,
    },
    prune: {
      usage: [
        [
          'prune (--keep-runs N | --keep-days D) [options]',
          'remove finished runs beyond the limits from the index',
        ],
      ],
      main: async (args) => (await import('./commands/maintain-index.js')).maintainIndex('prune', args),
      declaration: async () => (await import('./commands/maintain-index.js')).declaration,
    },
  },
};

const runs: CommandGroup = {
  name: 'runyard runs',
  synopsis: 'COMMAND [options] [--runs-dir DIR] [--json]',
  intro: `Reads the run directories themselves, without a daemon, through the same code as the retained.*
methods: with --json the output is exactly what the method would answer.`,
  outro: `RUN_ID is a run's id or its directory relative to the runs directory (another producer's
directories are named by their own ids: time stamps, slugs, paths).

Run \`runyard runs COMMAND --help\` for the options of one command.`,
  commands: {
    list: {
      usage: [['list [filters] [--include-partial] [--limit N] [--cursor C]', 'retained runs, newest first']],
      main: async (args) => (await import('./commands/runs-list.js')).runsList('list', args),
      declaration: async () => (await import('./commands/runs-list.js')).declarations.list,
    },
    latest: {
      usage: [['latest [filters]', 'the newest retained run that matches']],
      main: async (args) => (await import('./commands/runs-list.js')).runsList('latest', args),
      declaration: async () => (await import('./commands/runs-list.js')).declarations.latest,
    },
    reports: {
      usage: [['reports RUN_ID', "a run's reports"]],
      main: async (args) => (await import('./commands/runs-files.js')).runsFiles('reports', args),
      declaration: async () => (await import('./commands/runs-files.js')).declaration,
    },
    artifacts: {
      usage: [['artifacts RUN_ID', "a run's artifact manifest"]],
      main: async (args) => (await import('./commands/runs-files.js')).runsFiles('artifacts', args),
      declaration: async () => (await import('./commands/runs-files.js')).declaration,
    },
    cat: {
      usage: [['cat RUN_ID PATH', 'write one report or artifact to stdout']],
      main: async (args) => (await import('./commands/runs-cat.js')).runsCat(args),
      declaration: async () => (await import('./commands/runs-cat.js')).declaration,
    },
    problems: {
      usage: [['problems [--limit N] [--cursor C]', 'run directories that cannot be read, and why']],
      main: async (args) => (await import('./commands/runs-problems.js')).runsProblems(args),
      declaration: async () => (await import('./commands/runs-problems.js')).declaration,
    },
  },
};

const rpc: CommandGroup = {
  name: 'runyard rpc',
  synopsis: 'METHOD [key=value ...] | list | describe METHOD [options]',
  intro: `Calls any method of the connected daemon, reading its contract from the daemon (rpc.discover), so a
newer daemon's methods are reachable too.`,
  outro: `Every command takes --json, --url, --token and --state-dir; results print as JSON on stdout.
Run \`runyard rpc METHOD --help\` for how params are typed.`,
  commands: {
    list: {
      usage: [['list', 'every method and its summary']],
      main: async (args) => (await import('./commands/rpc-list.js')).rpcList(args),
      declaration: async () => (await import('./commands/rpc-list.js')).declaration,
    },
    describe: {
      usage: [['describe METHOD', 'its params (types, defaults, required), result, errors, an example']],
      main: async (args) => (await import('./commands/rpc-describe.js')).rpcDescribe(args),
      declaration: async () => (await import('./commands/rpc-describe.js')).declaration,
    },
  },
  otherwise: {
    usage: [
      ['METHOD [key=value ...]', 'call it with these params, typed from its schema'],
      ['METHOD --params JSON|-', 'call it with these params (- reads stdin)'],
    ],
    main: async (args) => (await import('./commands/rpc-call.js')).rpcCall(args),
    declaration: async () => (await import('./commands/rpc-call.js')).declaration,
  },
};

const printVersion = async () => {
  console.log((await import('../schema/version.js')).version);
  return EXIT.ok;
};

export const runyard: CommandGroup = {
  name: 'runyard',
  title: 'runyard — a local run daemon',
  outro: `Every run, action, service and rpc command takes --json for machine output, and
--url/--token/--state-dir to find the daemon.
Run \`runyard COMMAND --help\` for the commands of a group, \`runyard run start --help\` (and so on) for
the options of one command.
Exit codes: 0 success, 1 the daemon refused or the run failed, 2 usage error, 3 no daemon reached,
4 still active at \`run wait --timeout-ms\`, 141 stdout closed (e.g. \`| head\`). With --follow and
\`run wait\`: the run's outcome (0 succeeded, 1 failed or interrupted, 124 timed out, 130 cancelled).
With --json, a failure prints as {"error": {"code", "reason", "message", "data"}} on stderr.`,
  commands: {
    serve: {
      usage: [['serve [options]', 'start the daemon; it runs until SIGINT or SIGTERM']],
      main: async (args) => (await import('./commands/serve.js')).serve(args),
      declaration: async () => (await import('./commands/serve.js')).declaration,
    },
    status: {
      usage: [['status', 'the daemon, its queue, its services and recent failures, on one screen']],
      main: async (args) => (await import('./commands/status.js')).status(args),
      declaration: async () => (await import('./commands/status.js')).declaration,
    },
    logs: {
      usage: [
        ['logs NAME [--stream S] [--tail N] [--timestamps]', 'follow the runs of a service or an action'],
      ],
      main: async (args) => (await import('./commands/logs.js')).logs(args),
      declaration: async () => (await import('./commands/logs.js')).declaration,
    },
    run: { summary: 'queue runs, follow them, read their output', group: run },
    action: { summary: 'named run templates', group: action },
    service: { summary: 'named sets of actions, run as one unit', group: service },
    index: { summary: 'offline maintenance of the run index', group: index },
    runs: { summary: 'retained runs read from disk, no daemon needed', group: runs },
    rpc: { summary: 'call any method of the daemon by name', group: rpc },
    version: {
      usage: [['version [--json]', "this runyard's version, and the daemon's when one is reachable"]],
      main: async (args) => (await import('./commands/version.js')).printVersion(args),
      declaration: async () => (await import('./commands/version.js')).declaration,
    },
    completion: {
      usage: [['completion bash|zsh', 'print the completion script of the shell']],
      main: async (args) => (await import('./commands/completion.js')).completion(args),
      declaration: async () => (await import('./commands/completion.js')).declaration,
    },
    // Hidden (no usage rows): what the completion script asks a running daemon for.
    __complete: {
      usage: [],
      main: async (args) => (await import('./commands/complete-names.js')).completeNames(args),
    },
    '--version': { usage: [], main: printVersion },
    '-v': { usage: [], main: printVersion },
  },
};
