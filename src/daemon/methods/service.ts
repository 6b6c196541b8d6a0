// Handlers of service.*.
import type { Definitions } from '../../services/definitions.js';
import type { ServiceManager } from '../../services/manager.js';
import type { GroupHandlers } from './types.js';

export const serviceHandlers = (
  definitions: Definitions,
  services: ServiceManager,
): GroupHandlers<'service'> => ({
  'service.set': (spec) => definitions.setService(spec),
  'service.get': ({ name }) => definitions.getService(name),
  'service.list': async () => ({ services: await definitions.listServices() }),
  'service.delete': async ({ name }) => ({ deleted: await services.delete(name) }),
  'service.start': ({ name, replaceExistingJobs }) => services.start(name, replaceExistingJobs),
  'service.stop': ({ name, removeJobs }) => services.stop(name, removeJobs),
  'service.restart': ({ name }) => services.restart(name),
  'service.status': ({ name }) => services.status(name),
});
