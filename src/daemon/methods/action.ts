// Handlers of action.*.
import type { Catalog } from '../../services/catalog.js';
import type { GroupHandlers } from './types.js';

export const actionHandlers = (catalog: Catalog): GroupHandlers<'action'> => ({
  'action.set': (spec) => catalog.setAction(spec),
  'action.get': ({ name }) => catalog.getAction(name),
  'action.list': async () => ({ actions: await catalog.listActions() }),
  'action.delete': async ({ name }) => ({ deleted: await catalog.deleteAction(name) }),
});
