// Handlers of action.*.
import type { Definitions } from '../../services/definitions.js';
import type { GroupHandlers } from './types.js';

export const actionHandlers = (definitions: Definitions): GroupHandlers<'action'> => ({
  'action.set': (spec) => definitions.setAction(spec),
  'action.get': ({ name }) => definitions.getAction(name),
  'action.list': async () => ({ actions: await definitions.listActions() }),
  'action.delete': async ({ name }) => ({ deleted: await definitions.deleteAction(name) }),
});
