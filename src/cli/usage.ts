// Exit codes and usage errors shared by every command, and the flag parsing that raises them.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** 141 = 128 + SIGPIPE: what a shell reports for a command whose reader went away. */
export const EXIT = { ok: 0, failed: 1, usage: 2, closedPipe: 141 } as const;

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {}

/** What a command declares of its flags; every command parses strictly, so a typo is never ignored. */
type FlagConfig = Omit<ParseArgsConfig, 'args' | 'strict'>;
type ParsedFlags<T extends FlagConfig> = ReturnType<typeof parseArgs<T & { strict: true }>>;

/** node:util parseArgs in strict mode, its complaints turned into usage errors (exit 2). */
export function parseFlags<T extends FlagConfig>(args: string[], config: T): ParsedFlags<T> {
  try {
    return parseArgs({ ...config, args, strict: true }) as ParsedFlags<T>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
