// What a config file declares, made true in the catalog: its actions and services upserted, the ones it
// declared before and no longer deleted. Checked whole first, so a file that cannot be applied changes nothing.
import { isDeepStrictEqual } from 'node:util';
import type { ActionSpec } from '../schema/action.js';
import type { ConfigReload } from '../schema/daemon.js';
import { RunyardError } from '../schema/errors.js';
import type { ServiceSpec } from '../schema/service.js';
import type { Catalog } from './catalog.js';
import type { ServiceManager } from './manager.js';
import { SupervisedElsewhere } from './supervised-elsewhere.js';

export interface Declared {
  /** The file, for the error's message. */
  file: string;
  actions: readonly ActionSpec[];
  services: readonly ServiceSpec[];
}

export type DeclaredChanges = Pick<ConfigReload, 'actions' | 'services'>;

interface Plan<S> {
  added: S[];
  updated: S[];
  /** The file's own from before (source config) that it no longer declares. */
  removed: string[];
}

/**
 * Applies the declarations. Definitions set over RPC are the caller's and stay, unless the file names
 * them: then the file's spec replaces theirs and they become the file's. Services are removed before
 * actions, as a service's actions must exist while it does; a removed service is stopped first.
 */
export async function applyDeclared(
  declared: Declared,
  catalog: Catalog,
  services: ServiceManager,
): Promise<DeclaredChanges> {
  const [haveActions, haveServices] = await Promise.all([catalog.listActions(), catalog.listServices()]);
  const actions = plan(declared.actions, haveActions);
  const servicePlan = plan(declared.services, haveServices);
  const problems = [
    ...missingActions(declared, haveActions, actions.removed),
    ...stillUsed(actions.removed, [
      ...declared.services,
      ...haveServices
        .map(({ spec }) => spec)
        .filter(
          ({ name }) =>
            !servicePlan.removed.includes(name) && !declared.services.some((s) => s.name === name),
        ),
    ]),
  ];
  if (problems.length > 0) throw new RunyardError('config_invalid', { file: declared.file, problems });

  for (const spec of [...actions.added, ...actions.updated]) await catalog.setAction(spec, 'config');
  for (const spec of [...servicePlan.added, ...servicePlan.updated]) await catalog.setService(spec, 'config');
  // As supervisorctl's update does: a running service whose definition changed restarts with the new one.
  for (const { name } of servicePlan.updated) await restartIfActive(services, name);
  for (const name of servicePlan.removed) await deleteService(services, catalog, name);
  for (const name of actions.removed) await catalog.deleteAction(name);
  return { actions: changes(actions), services: changes(servicePlan) };
}

/**
 * In a cluster, a service another node supervises is that node's to restart (its reload of the file, or
 * service.restart through any node): this node does not supervise it, so it has nothing to restart.
 */
async function restartIfActive(services: ServiceManager, name: string): Promise<void> {
  try {
    if ((await services.status(name)).state !== 'stopped') await services.restart(name);
  } catch (error) {
    if (!(error instanceof SupervisedElsewhere)) throw error;
  }
}

/**
 * In a cluster, a service another node supervises is deleted from the catalog, and with it its lease:
 * its supervisor finds the lease gone after its next heartbeat and stops it.
 */
async function deleteService(services: ServiceManager, catalog: Catalog, name: string): Promise<void> {
  try {
    await services.delete(name);
  } catch (error) {
    if (!(error instanceof SupervisedElsewhere)) throw error;
    await catalog.deleteService(name);
  }
}

type Definition<S> = { spec: S; source: 'rpc' | 'config' };

function plan<S extends { name: string }>(declared: readonly S[], have: readonly Definition<S>[]): Plan<S> {
  const existing = new Map(have.map((definition) => [definition.spec.name, definition]));
  const names = new Set(declared.map((spec) => spec.name));
  const result: Plan<S> = { added: [], updated: [], removed: [] };
  for (const spec of declared) {
    const current = existing.get(spec.name);
    if (!current) result.added.push(spec);
    // A definition the file takes over from RPC is updated even when equal: it becomes the file's.
    else if (current.source !== 'config' || !isDeepStrictEqual(current.spec, spec)) result.updated.push(spec);
  }
  for (const { spec, source } of have)
    if (source === 'config' && !names.has(spec.name)) result.removed.push(spec.name);
  return result;
}

const changes = <S extends { name: string }>({ added, updated, removed }: Plan<S>) => ({
  added: added.map((spec) => spec.name),
  updated: updated.map((spec) => spec.name),
  removed,
});

/** A declared service's actions must be declared too, or be kept in the daemon (set over RPC). */
function missingActions(
  declared: Declared,
  have: readonly Definition<ActionSpec>[],
  removed: string[],
): string[] {
  const known = new Set([
    ...declared.actions.map((spec) => spec.name),
    ...have.map((definition) => definition.spec.name).filter((name) => !removed.includes(name)),
  ]);
  return declared.services.flatMap((service, index) =>
    service.actions.flatMap(({ action }, entry) =>
      known.has(action)
        ? []
        : [
            `/services/${index}/actions/${entry}/action names action "${action}", which neither this file nor the daemon declares`,
          ],
    ),
  );
}

/** An action the file no longer declares cannot go while a service that stays still names it. */
function stillUsed(removed: readonly string[], staying: readonly ServiceSpec[]): string[] {
  return removed.flatMap((action) => {
    const users = staying
      .filter((spec) => spec.actions.some((entry) => entry.action === action))
      .map((spec) => spec.name);
    return users.length === 0
      ? []
      : [`action "${action}" is no longer declared but services ${users.join(', ')} still name it`];
  });
}
