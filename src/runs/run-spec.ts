// Turning a run.start request into what is executed: argv as given, or a named action with overrides.
import type { ActionSpec } from '../schema/action.js';
import { resolveRunSpec, type ResolvedRunSpec, type RunStartParams } from '../schema/run-record.js';

/**
 * The action's template with the request's fields on top: a field given in the request wins,
 * labels and env are merged (the request's entries win).
 */
export function applyAction(action: ActionSpec, request: RunStartParams): ResolvedRunSpec {
  const { name: _name, description: _description, ...template } = action;
  const { action: _action, ...overrides } = request;
  const merged = { ...template, ...definedOnly(overrides) };
  if (template.labels || overrides.labels) merged.labels = { ...template.labels, ...overrides.labels };
  if (template.env || overrides.env) merged.env = { ...template.env, ...overrides.env };
  return resolveRunSpec(merged);
}

/** A request that names no action: argv is required then (the schema's oneOf ensures one of the two). */
export function plainSpec(request: RunStartParams): ResolvedRunSpec {
  const { action: _action, argv, ...rest } = request;
  if (!argv) throw new Error('run.start without argv or action got past the schema');
  return resolveRunSpec({ ...rest, argv });
}

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
