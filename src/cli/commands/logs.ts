// `runyard logs NAME`: follows the current run of an action, or of each action of a service, as `pm2 logs` does.
import { ActionNotFoundError, ServiceNotFoundError, type RunyardClient } from '../../client/index.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { FOLLOW_EXIT_HELP } from '../follow-output.js';
import { lineOptions, parseLineOptions, showLines, type LogTarget } from '../log-options.js';
import { commandMain } from '../command-main.js';
import { EXIT, UsageError } from '../usage.js';
import { only } from './run-args.js';

const OPTIONS = defineOptions({
  ...lineOptions,
  ...clientOptions,
  // Parsed so that it is refused with a pointer to the command that has it.
  json: { ...clientOptions.json, hidden: true },
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'NAME', completes: 'name' }],
} as const;

const HELP = `Usage: runyard logs NAME [options]

Follows the current run of NAME until it ends: for a service, the current run of each of its actions
(or its newest run, once the service is stopped), each line marked with its action's name; for an
action, its newest run. NAME is looked up as a service first, then as an action. What each run
wrote before is shown first (its last N lines with --tail).

${optionLines(OPTIONS)}

${FOLLOW_EXIT_HELP.replace('With --follow the', 'The')} With a service: the first outcome that is not
success.`;

export const logs = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const name = only('NAME', positionals);
    if (values.json)
      throw new UsageError('logs has no --json; for the events of one run: run logs RUN_ID -f --json');
    const lines = parseLineOptions(values);
    return withClient(values, async (client) => {
      const targets = await findTargets(client, name);
      if (typeof targets === 'string') {
        console.error(`runyard: ${targets}`);
        return EXIT.failed;
      }
      return showLines(client, targets, lines, true);
    });
  },
);

/** The runs to follow for NAME, or why there are none. */
async function findTargets(client: RunyardClient, name: string): Promise<LogTarget[] | string> {
  const status = await client.service.status({ name }).catch(unless(ServiceNotFoundError));
  if (status) {
    const targets: LogTarget[] = [];
    for (const entry of status.actions) {
      const runId = entry.runId ?? (await newestRun(client, { serviceId: name, actionId: entry.action }));
      if (runId) targets.push({ runId, name: entry.action });
    }
    return targets.length > 0
      ? targets
      : `service ${name} has no runs yet (start it: runyard service start ${name})`;
  }
  const action = await client.action.get({ name }).catch(unless(ActionNotFoundError));
  if (action) {
    const runId = await newestRun(client, { actionId: name });
    return runId ? [{ runId }] : `action ${name} has no runs yet (start one: runyard run start ${name})`;
  }
  return `"${name}" is neither a service nor an action (see runyard service list, runyard action list)`;
}

async function newestRun(client: RunyardClient, filter: { actionId: string; serviceId?: string }) {
  const { runs } = await client.run.list({ ...filter, limit: 1 });
  return runs[0]?.runId;
}

/** A catch handler that turns one kind of error into undefined and lets every other through. */
const unless =
  (kind: new (...args: never[]) => Error) =>
  (error: unknown): undefined => {
    if (error instanceof kind) return undefined;
    throw error;
  };
