// What plan.json says is executed, complete: the fields a run cannot do without, and documented defaults for the rest.
import { DEFAULT_RETRY, type RunDirProblem, type RunJson, type RunPlan } from '../schema/run-dir.js';
import { runFiles } from './files.js';
import { fieldProblem, problemOf, type FileRead } from './read.js';

/** The daemon's own default between SIGTERM and SIGKILL, for a plan that does not record its own. */
export const DEFAULT_KILL_GRACE_MS = 5_000;

/** The first of `values` that is not undefined (null is a value: "no action" is not "unknown action"). */
export const firstDefined = <T>(...values: (T | undefined)[]): T | undefined =>
  values.find((value) => value !== undefined);

/**
 * The plan a run directory holds, or the problem that keeps it from being one: a plan must name its
 * run and what to execute (argv, the resolved command, cwd). Anything else it lacks is taken from
 * run.json, or gets its default (docs/recovery.md lists them).
 */
export function completePlan(
  read: FileRead<RunPlan>,
  dir: string,
  runJson: Partial<RunJson> = {},
): RunPlan | RunDirProblem {
  if (read.state === 'bad') return read.problem;
  if (read.state === 'missing') return problemOf(dir, runFiles.plan, 'missing_file', 'is missing');
  const plan = read.fields;
  for (const field of ['runId', 'argv', 'command', 'cwd'] as const) {
    if (plan[field] === undefined)
      return fieldProblem(
        dir,
        runFiles.plan,
        field,
        read.invalid.find((issue) => issue.field === field),
      );
  }
  return {
    schemaVersion: plan.schemaVersion ?? 0,
    runId: plan.runId!,
    argv: plan.argv!,
    command: plan.command!,
    cwd: plan.cwd!,
    envNames: plan.envNames ?? [],
    timeoutMs: firstDefined(plan.timeoutMs, runJson.timeoutMs) ?? null,
    killGraceMs: plan.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    retry: plan.retry ?? DEFAULT_RETRY,
    priority: firstDefined(plan.priority, runJson.priority) ?? 0,
    actionId: firstDefined(plan.actionId, runJson.actionId) ?? null,
    serviceId: firstDefined(plan.serviceId, runJson.serviceId) ?? null,
    labels: firstDefined(plan.labels, runJson.labels) ?? {},
  };
}
