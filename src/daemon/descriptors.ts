// Running out of file descriptors (EMFILE): warned about once per burst, as the daemon sees no error for it.
// libuv answers EMFILE on accept by closing its spare descriptor, accepting and closing every waiting
// connection, and reopening the spare: the peers are dropped and Node is told nothing. So a probe opens
// the null device every second; only when libuv has no spare left does accept fail into Node (a server
// 'error', which would crash the daemon unhandled), and that is noted too.
import { close, open } from 'node:fs';
import { devNull } from 'node:os';
import type { Logger } from '../log.js';
import { BurstWarning } from './burst-warning.js';

const PROBE_INTERVAL_MS = 1_000;

export class DescriptorWatch {
  readonly #warning: BurstWarning;
  readonly #probe: NodeJS.Timeout;

  constructor(log: Logger) {
    this.#warning = new BurstWarning(
      log,
      'out of file descriptors: new connections are dropped and runs cannot start (raise ulimit -n)',
    );
    this.#probe = setInterval(() => this.#check(), PROBE_INTERVAL_MS);
    this.#probe.unref();
  }

  /** A failed accept, from the server's 'error' event. */
  noteFailure(error: NodeJS.ErrnoException, during: string): void {
    this.#warning.note({ code: error.code ?? error.message, during });
  }

  close(): void {
    clearInterval(this.#probe);
    this.#warning.close();
  }

  #check(): void {
    open(devNull, 'r', (error, fd) => {
      if (error) return this.noteFailure(error, 'probe');
      close(fd, (closeError) => {
        if (closeError) this.noteFailure(closeError, 'probe');
      });
    });
  }
}
