// Open TCP connections per peer address, handshaking or upgraded: one address (a runaway script, a port
// scanner) cannot hold every descriptor the daemon has and lock the other clients out.
import type { Socket } from 'node:net';

export class PeerConnections {
  readonly #counts = new Map<string, number>();
  readonly #limit: () => number;

  /** `limit` is read at every upgrade, so a reload that changes it applies at once. */
  constructor(limit: () => number) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit();
  }

  /** Counts the socket against its address until it closes. */
  track(socket: Socket): void {
    const address = socket.remoteAddress;
    // Already closed: there is nothing to count.
    if (address === undefined) return;
    this.#counts.set(address, (this.#counts.get(address) ?? 0) + 1);
    socket.once('close', () => {
      const left = (this.#counts.get(address) ?? 1) - 1;
      if (left === 0) this.#counts.delete(address);
      else this.#counts.set(address, left);
    });
  }

  /** Whether the address holds more connections than allowed; the one asking is counted already. */
  isOverLimit(address: string | undefined): boolean {
    return address !== undefined && (this.#counts.get(address) ?? 0) > this.#limit();
  }
}
