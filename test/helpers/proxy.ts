// A TCP proxy in front of the daemon whose connections a test can cut, to lose a client's connection for real.
import { createConnection, createServer, type Socket } from 'node:net';
import type { Test } from 'tap';

export interface CuttableProxy {
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroys every proxied connection; new ones are still accepted. */
  cut(): void;
}

export async function startProxy(t: Test, daemonUrl: string): Promise<CuttableProxy> {
  const target = new URL(daemonUrl);
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    let first = true;
    client.on('data', (chunk: Buffer) => {
      // The daemon checks Host against its own address (DNS rebinding); present the daemon's.
      upstream.write(
        first
          ? Buffer.from(chunk.toString('latin1').replace(/^Host: .*$/im, `Host: ${target.host}`), 'latin1')
          : chunk,
      );
      first = false;
    });
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}${target.pathname}`,
    get connections() {
      return connections;
    },
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}
