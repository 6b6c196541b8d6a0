// The catalog of actions and services: validated against each other (an action a service uses cannot be
// deleted, a service's actions must exist), stored, and upserted from config.
import type { Action, ActionSpec } from '../schema/action.js';
import { RunyardError } from '../schema/errors.js';
import type { Service, ServiceSpec } from '../schema/service.js';
import type { DefinitionTable, Store } from '../store/store.js';

export type Source = Action['source'];

export class Catalog {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async setAction(spec: ActionSpec, source: Source = 'rpc'): Promise<Action> {
    return setIn(this.#store.actions, spec, source);
  }

  async getAction(name: string): Promise<Action> {
    return found(await this.#store.actions.get(name), 'action_not_found', name);
  }

  listActions(): Promise<Action[]> {
    return this.#store.actions.list();
  }

  async deleteAction(name: string): Promise<boolean> {
    await this.getAction(name);
    const users = (await this.#store.services.list())
      .filter((service) => service.spec.actions.some((entry) => entry.action === name))
      .map((service) => service.spec.name);
    if (users.length > 0) throw new RunyardError('action_in_use', { name, services: users });
    return this.#store.actions.delete(name);
  }

  async setService(spec: ServiceSpec, source: Source = 'rpc'): Promise<Service> {
    for (const { action } of spec.actions) await this.getAction(action);
    return setIn(this.#store.services, spec, source);
  }

  async getService(name: string): Promise<Service> {
    return found(await this.#store.services.get(name), 'service_not_found', name);
  }

  listServices(): Promise<Service[]> {
    return this.#store.services.list();
  }

  async deleteService(name: string): Promise<boolean> {
    await this.getService(name);
    return this.#store.services.delete(name);
  }
}

function found<T>(
  definition: T | undefined,
  reason: 'action_not_found' | 'service_not_found',
  name: string,
): T {
  if (!definition) throw new RunyardError(reason, { name });
  return definition;
}

/** What an action or a service is: its spec, where it was last set from, and when. */
type Stamped<S> = { spec: S; source: Source; createdAt: string; updatedAt: string };

/** Sets a definition with its times: created when first set, updated at every set. */
async function setIn<S extends { name: string }>(
  table: DefinitionTable<Stamped<S>>,
  spec: S,
  source: Source,
): Promise<Stamped<S>> {
  const existing = await table.get(spec.name);
  const now = new Date().toISOString();
  const definition = { spec, source, createdAt: existing?.createdAt ?? now, updatedAt: now };
  await table.put(definition);
  return definition;
}
