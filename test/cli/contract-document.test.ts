// What `runyard rpc` takes from a daemon's rpc.discover, whichever layout the daemon uses for notifications.
import t from 'tap';
import { Contract } from '../../src/cli/contract-document.js';

const call = { name: 'run.status', params: [], result: { name: 'result', schema: {} } };
const event = { name: 'run.event', params: [] };

t.test(
  'notifications in methods[] (x-notification, no result) are neither listed nor callable',
  async (t) => {
    const contract = new Contract({
      methods: [call, { ...event, 'x-notification': { direction: 'server-to-client' } }],
    });
    t.same(
      contract.methods.map((method) => method.name),
      ['run.status', 'rpc.discover'],
    );
    t.throws(() => contract.method('run.event'), /run\.event is a notification/);
  },
);

t.test('notifications apart in x-notifications are neither listed nor callable', async (t) => {
  const contract = new Contract({ methods: [call], 'x-notifications': [event] });
  t.same(
    contract.methods.map((method) => method.name),
    ['run.status', 'rpc.discover'],
  );
  t.throws(() => contract.method('run.event'), /run\.event is a notification/);
  t.throws(() => contract.method('run.nothing'), /unknown method "run\.nothing"/);
  t.equal(contract.method('run.status'), call);
});
