// Every runyard command: one table per group, from which src/cli/dispatch.ts derives dispatch and help.
import { lazy, type CommandGroup } from './dispatch.js';
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
      ...lazy(() => import('./commands/run-start.js'), 'runStart'),
    },
    status: {
      usage: [['status RUN_ID', 'show one run']],
      ...lazy(() => import('./commands/run-status.js'), 'runStatus'),
    },
    list: {
      usage: [
        ['list [--status S]... [--label K=V]...', 'list runs, newest first'],
        ['list [--action NAME] [--service NAME]', 'list the runs an action or a service created'],
      ],
      ...lazy(() => import('./commands/run-list.js'), 'runList'),
    },
    cancel: {
      usage: [['cancel RUN_ID', 'cancel a queued, running or retrying run']],
      ...lazy(() => import('./commands/run-cancel.js'), 'runCancel'),
    },
    wait: {
      usage: [['wait RUN_ID [--timeout-ms N]', 'wait for a run to end; exit 0 only if it succeeded']],
      ...lazy(() => import('./commands/run-wait.js'), 'runWait'),
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
      ...lazy(() => import('./commands/run-logs.js'), 'runLogs'),
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
      ...lazy(() => import('./commands/action-set.js'), 'actionSet'),
    },
    get: {
      usage: [['get NAME', 'show one action (environment variable names, never values)']],
      ...lazy(() => import('./commands/action-get.js'), 'actionGet'),
    },
    list: {
      usage: [['list', 'list every action']],
      ...lazy(() => import('./commands/action-list.js'), 'actionList'),
    },
    delete: {
      usage: [['delete NAME', 'delete an action that no service uses']],
      ...lazy(() => import('./commands/action-delete.js'), 'actionDelete'),
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
      ...lazy(() => import('./commands/service-set.js'), 'serviceSet'),
    },
    get: {
      usage: [['get NAME', 'show one service']],
      ...lazy(() => import('./commands/service-get.js'), 'serviceGet'),
    },
    list: {
      usage: [['list', 'list every service']],
      ...lazy(() => import('./commands/service-list.js'), 'serviceList'),
    },
    delete: {
      usage: [['delete NAME', 'stop a service and delete it']],
      ...lazy(() => import('./commands/service-delete.js'), 'serviceDelete'),
    },
    start: {
      usage: [
        ['start NAME [--keep-jobs]', 'start one run per action, replacing old runs unless --keep-jobs'],
      ],
      ...lazy(() => import('./commands/service-start.js'), 'serviceStart'),
    },
    stop: {
      usage: [['stop NAME [--remove-jobs]', 'cancel its runs; --remove-jobs also drops them from the index']],
      ...lazy(() => import('./commands/service-stop.js'), 'serviceStop'),
    },
    restart: {
      usage: [['restart NAME', 'stop, then start clean']],
      ...lazy(() => import('./commands/service-restart.js'), 'serviceRestart'),
    },
    status: {
      usage: [['status NAME', 'its state and, per action, run, uptime, restarts, last failure']],
      ...lazy(() => import('./commands/service-status.js'), 'serviceStatus'),
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
      ...lazy(() => import('./commands/runs-cat.js'), 'runsCat'),
    },
    problems: {
      usage: [['problems [--limit N] [--cursor C]', 'run directories that cannot be read, and why']],
      ...lazy(() => import('./commands/runs-problems.js'), 'runsProblems'),
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
      ...lazy(() => import('./commands/rpc-list.js'), 'rpcList'),
    },
    describe: {
      usage: [['describe METHOD', 'its params (types, defaults, required), result, errors, an example']],
      ...lazy(() => import('./commands/rpc-describe.js'), 'rpcDescribe'),
    },
  },
  otherwise: {
    usage: [
      ['METHOD [key=value ...]', 'call it with these params, typed from its schema'],
      ['METHOD --params JSON|-', 'call it with these params (- reads stdin)'],
    ],
    ...lazy(() => import('./commands/rpc-call.js'), 'rpcCall'),
  },
};

const config: CommandGroup = {
  name: 'runyard config',
  intro: `The config file (\`runyard serve --config FILE\`, or RUNYARD_CONFIG) holds the daemon's settings and
the actions and services it declares.`,
  outro: 'Run `runyard config COMMAND --help` for the options of one command.',
  commands: {
    check: {
      usage: [['check FILE', 'check a config file as serve would, without a daemon']],
      ...lazy(() => import('./commands/config-check.js'), 'configCheck'),
    },
    reload: {
      usage: [['reload', 'make the daemon read its config file again (as SIGHUP does)']],
      ...lazy(() => import('./commands/config-reload.js'), 'configReload'),
    },
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
      ...lazy(() => import('./commands/serve.js'), 'serve'),
    },
    status: {
      usage: [['status', 'the daemon, its queue, its services and recent failures, on one screen']],
      ...lazy(() => import('./commands/status.js'), 'status'),
    },
    logs: {
      usage: [
        ['logs NAME [--stream S] [--tail N] [--timestamps]', 'follow the runs of a service or an action'],
      ],
      ...lazy(() => import('./commands/logs.js'), 'logs'),
    },
    dashboard: {
      usage: [['dashboard [--no-open]', 'print and open a one-time login URL for the web dashboard']],
      ...lazy(() => import('./commands/dashboard.js'), 'dashboard'),
    },
    run: { summary: 'queue runs, follow them, read their output', group: run },
    action: { summary: 'named run templates', group: action },
    service: { summary: 'named sets of actions, run as one unit', group: service },
    index: { summary: 'offline maintenance of the run index', group: index },
    runs: { summary: 'retained runs read from disk, no daemon needed', group: runs },
    rpc: { summary: 'call any method of the daemon by name', group: rpc },
    config: { summary: 'check the config file, or make the daemon reload it', group: config },
    version: {
      usage: [['version [--json]', "this runyard's version, and the daemon's when one is reachable"]],
      ...lazy(() => import('./commands/version.js'), 'printVersion'),
    },
    completion: {
      usage: [['completion bash|zsh', 'print the completion script of the shell']],
      ...lazy(() => import('./commands/completion.js'), 'completion'),
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
