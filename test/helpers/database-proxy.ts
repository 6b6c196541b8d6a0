// A TCP proxy in front of the test PostgreSQL that a test can take down and up, to cut a daemon off from
// its database for real.
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Test } from 'tap';
import { PG_HOST, PG_PORT } from './postgres.js';

/** A TCP proxy to PostgreSQL that a test can take down (every connection cut, new ones refused) and up. */
export async function databaseProxy(t: Test) {
  const sockets = new Set<Socket>();
  let isDown = false;
  const server = createServer((client) => {
    if (isDown) return void client.destroy();
    const upstream = createConnection({ host: PG_HOST, port: PG_PORT });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(socket);
      socket.pipe(other);
      socket.on('error', () => other.destroy()).on('close', () => (other.destroy(), sockets.delete(socket)));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    down() {
      isDown = true;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
  };
}
