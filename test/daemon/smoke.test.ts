import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

t.test('a started daemon answers daemon.info with its own directories', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const info = await client.daemon.info();
  t.equal(info.url, daemon.url);
  t.equal(info.runsDir, daemon.runsDir);
  t.equal(info.pid, daemon.child.pid);
});
