// The catalog of actions and services: validated against each other (an action a service uses cannot be
// deleted, a service's actions must exist), stored, and upserted from config.
import type { Action, ActionSpec } from '../schema/action.js';
import { RunyardError } from '../schema/errors.js';
import type { Service, ServiceSpec } from '../schema/service.js';
import type { Store } from '../store/store.js';

export type Source = Action['source'];

export class Catalog {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async setAction(spec: ActionSpec, source: Source = 'rpc'): Promise<Action> {
    const action = stamped(spec, source, await this.#store.actions.get(spec.name));
    await this.#store.actions.put(action);
    return action;
  }

  async getAction(name: string): Promise<Action> {
    const action = await this.#store.actions.get(name);
    if (!action) throw new RunyardError('action_not_found', { name });
    return action;
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
    const service = stamped(spec, source, await this.#store.services.get(spec.name));
    await this.#store.services.put(service);
    return service;
  }

  async getService(name: string): Promise<Service> {
    const service = await this.#store.services.get(name);
    if (!service) throw new RunyardError('service_not_found', { name });
    return service;
  }

  listServices(): Promise<Service[]> {
    return this.#store.services.list();
  }

  async deleteService(name: string): Promise<boolean> {
    await this.getService(name);
    return this.#store.services.delete(name);
  }
}

/** A definition with its times: created when first set, updated at every set. */
function stamped<S>(spec: S, source: Source, existing: { createdAt: string } | undefined) {
  const now = new Date().toISOString();
  return { spec, source, createdAt: existing?.createdAt ?? now, updatedAt: now };
}
