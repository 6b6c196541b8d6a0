// The action.* contract: named, validated run templates.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ActionName, Timestamp } from './common.js';
import { defineMethod } from './method.js';
import { Argv, runTemplateFields } from './run-record.js';

export const ActionSpec = Type.Object(
  {
    name: ActionName,
    description: Type.Optional(Type.String({ maxLength: 1_024 })),
    argv: Argv,
    ...runTemplateFields,
  },
  { $id: 'ActionSpec', additionalProperties: false },
);
export type ActionSpec = Static<typeof ActionSpec>;

export const Action = Type.Object(
  {
    spec: ActionSpec,
    source: Type.Union([Type.Literal('rpc'), Type.Literal('config')], {
      description: 'Where it was last set: over RPC, or from the --config file at start-up.',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Action', additionalProperties: false },
);
export type Action = Static<typeof Action>;

const NameRef = Type.Object({ name: ActionName }, { additionalProperties: false });

const lint: ActionSpec = {
  name: 'lint',
  description: 'Lint the workspace',
  argv: ['npm', 'run', 'lint'],
  cwd: '/home/me/project',
  timeoutMs: 120_000,
  labels: { kind: 'check' },
};
const lintAction: Action = {
  spec: lint,
  source: 'rpc',
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
};

export const actionSet = defineMethod({
  name: 'action.set',
  summary: 'Create or replace a named action.',
  params: ActionSpec,
  result: Action,
  errors: ['store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'a lint action', params: lint, result: lintAction }],
});

export const actionGet = defineMethod({
  name: 'action.get',
  summary: 'One action by name.',
  params: NameRef,
  result: Action,
  errors: ['action_not_found', 'store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'the lint action', params: { name: 'lint' }, result: lintAction }],
});

export const actionList = defineMethod({
  name: 'action.list',
  summary: 'Every action, by name.',
  params: Type.Object({}, { additionalProperties: false }),
  result: Type.Object({ actions: Type.Array(Action) }, { additionalProperties: false }),
  errors: ['store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'all actions', params: {}, result: { actions: [lintAction] } }],
});

export const actionDelete = defineMethod({
  name: 'action.delete',
  summary: 'Delete an action; refused while a service uses it. Runs it created keep their actionId.',
  params: NameRef,
  result: Type.Object({ deleted: Type.Boolean() }, { additionalProperties: false }),
  errors: ['action_not_found', 'action_in_use', 'store_unavailable'],
  retrySafe: true,
  examples: [{ name: 'delete lint', params: { name: 'lint' }, result: { deleted: true } }],
});

export const actionMethods = [actionSet, actionGet, actionList, actionDelete] as const;
