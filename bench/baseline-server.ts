// The baseline process: what anyone would write in a few lines with ws and json-rpc-2.0, nothing more.
import { JSONRPCServer } from 'json-rpc-2.0';
import { WebSocketServer } from 'ws';
import { spawnMany } from './spawn-loop.js';

const result: unknown = JSON.parse(process.env.BENCH_RESULT ?? 'null');
const server = new JSONRPCServer();
server.addMethod('run.status', () => result);
// For the memory benchmark: the same work the daemon did, done with bare child_process.spawn.
server.addMethod('spawn', async ({ count, concurrency }: { count: number; concurrency: number }) => {
  await spawnMany(count, concurrency);
  return { spawned: count };
});

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    void server.receiveJSON(data.toString()).then((answer) => {
      if (answer) socket.send(JSON.stringify(answer));
    });
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as { port: number };
  console.log(`baseline listening on ws://127.0.0.1:${port}/rpc`);
});
process.once('SIGTERM', () => {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
});
