// A service action's restart policy with every default applied, the defaults taken from the schema alone.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { withDefaults } from '../schema/defaults.js';
import { Backoff, RestartPolicy, StartLimit, type ServiceAction } from '../schema/service.js';

const ResolvedBackoff = Type.Required(Backoff);
const ResolvedStartLimit = Type.Required(StartLimit);

export interface ResolvedServiceAction {
  action: string;
  restart: Static<typeof RestartPolicy>;
  backoff: Static<typeof ResolvedBackoff>;
  startLimit: Static<typeof ResolvedStartLimit>;
}

export function resolveServiceAction(policy: ServiceAction): ResolvedServiceAction {
  return {
    action: policy.action,
    restart: policy.restart ?? (RestartPolicy.default as ResolvedServiceAction['restart']),
    backoff: withDefaults(ResolvedBackoff, policy.backoff ?? {}),
    startLimit: withDefaults(ResolvedStartLimit, policy.startLimit ?? {}),
  };
}
