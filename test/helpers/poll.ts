// Waiting in tests for what happens on its own time: polled by outcome, never by a fixed sleep.

/** Polls `check` until it returns a value other than undefined, or fails after `deadlineMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  deadlineMs = 10_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met before the deadline');
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
