// Handlers of service.*; in a cluster, start, stop, restart, status and delete are answered by the supervisor.
import type { Catalog } from '../../services/catalog.js';
import type { ServiceManager } from '../../services/manager.js';
import type { ServiceRouter } from '../service-router.js';
import type { GroupHandlers } from './types.js';

export const serviceHandlers = (
  catalog: Catalog,
  services: ServiceManager,
  router: ServiceRouter,
): GroupHandlers<'service'> => ({
  'service.set': (spec) => catalog.setService(spec),
  'service.get': ({ name }) => catalog.getService(name),
  'service.list': async () => ({ services: await catalog.listServices() }),
  'service.delete': (params, call) =>
    router.route('service.delete', params, call, async () => ({
      deleted: await services.delete(params.name),
    })),
  'service.start': (params, call) =>
    router.route('service.start', params, call, () =>
      services.start(params.name, params.replaceExistingJobs),
    ),
  'service.stop': (params, call) =>
    router.route('service.stop', params, call, () => services.stop(params.name, params.removeJobs)),
  'service.restart': (params, call) =>
    router.route('service.restart', params, call, () => services.restart(params.name)),
  'service.status': (params, call) =>
    router.route('service.status', params, call, () => services.status(params.name)),
});
