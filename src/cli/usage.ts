// Exit codes and usage errors shared by every command.
/** 141 = 128 + SIGPIPE: what a shell reports for a command whose reader went away. */
export const EXIT = { ok: 0, failed: 1, usage: 2, closedPipe: 141 } as const;

/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {}
