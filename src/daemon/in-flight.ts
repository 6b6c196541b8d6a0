// Requests in flight per connection: one peer's unanswered calls (a pending run.wait holds its request,
// its promise and its abort listener) cannot grow the daemon without bound, nor crowd out other peers.

export class InFlightLimit<Connection extends object> {
  readonly #counts = new WeakMap<Connection, number>();
  readonly #limit: () => number;

  /** `limit` is read at every request, so a reload that changes it applies to open connections too. */
  constructor(limit: () => number) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit();
  }

  /** Counts one more request of `connection`; false, counting nothing, when it holds the limit already. */
  tryEnter(connection: Connection): boolean {
    const count = this.#counts.get(connection) ?? 0;
    if (count >= this.#limit()) return false;
    this.#counts.set(connection, count + 1);
    return true;
  }

  leave(connection: Connection): void {
    this.#counts.set(connection, (this.#counts.get(connection) ?? 1) - 1);
  }
}
