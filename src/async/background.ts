// Work nobody waits for, started on purpose: its failure is logged, never an unhandled rejection.
import type { Logger } from '../log.js';

/** Runs `work` in the background; if it fails, one log line says what failed, with `fields`. */
export function background(
  work: Promise<unknown>,
  log: Logger,
  what: string,
  fields: Record<string, unknown> = {},
): void {
  work.catch((error: unknown) => log.error(what, { ...fields, error }));
}
