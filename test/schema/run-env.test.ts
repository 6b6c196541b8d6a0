// withoutDaemonCredentials: the base of a run's environment keeps everything but the daemon's credentials.
import t from 'tap';
import { withoutDaemonCredentials } from '../../src/schema/run-env.js';

t.test('RUNYARD_TOKEN and RUNYARD_URL are removed, everything else is kept', async (t) => {
  const env = {
    PATH: '/usr/bin',
    RUNYARD_TOKEN: 'secret',
    RUNYARD_URL: 'ws://127.0.0.1:7370/rpc',
    RUNYARD_STATE_DIR: '/home/me/.runyard',
  };
  t.same(withoutDaemonCredentials(env), { PATH: '/usr/bin', RUNYARD_STATE_DIR: '/home/me/.runyard' });
  t.equal(env.RUNYARD_TOKEN, 'secret', 'the environment given is not changed');
});
