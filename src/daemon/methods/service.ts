// Handlers of service.*.
import type { Catalog } from '../../services/catalog.js';
import type { ServiceManager } from '../../services/manager.js';
import type { GroupHandlers } from './types.js';

export const serviceHandlers = (catalog: Catalog, services: ServiceManager): GroupHandlers<'service'> => ({
  'service.set': (spec) => catalog.setService(spec),
  'service.get': ({ name }) => catalog.getService(name),
  'service.list': async () => ({ services: await catalog.listServices() }),
  'service.delete': async ({ name }) => ({ deleted: await services.delete(name) }),
  'service.start': ({ name, replaceExistingJobs }) => services.start(name, replaceExistingJobs),
  'service.stop': ({ name, removeJobs }) => services.stop(name, removeJobs),
  'service.restart': ({ name }) => services.restart(name),
  'service.status': ({ name }) => services.status(name),
});
