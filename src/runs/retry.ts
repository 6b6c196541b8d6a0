// Retry policy: which outcomes are retried and how long to wait before the next attempt.
import { DEFAULT_RETRY, type ResolvedRetry } from '../schema/run-dir.js';
import type { RetryPolicy, RunStatus } from '../schema/run-record.js';

export type { ResolvedRetry };

export const resolveRetry = (policy: RetryPolicy | undefined): ResolvedRetry => ({
  ...DEFAULT_RETRY,
  ...policy,
});

export const shouldRetry = (policy: ResolvedRetry, outcome: RunStatus, attempt: number): boolean =>
  attempt < policy.maxAttempts && (policy.on as readonly string[]).includes(outcome);

/** Delay before attempt `attempt + 1`: exponential, capped, with full jitter unless turned off. */
export function retryDelayMs(
  policy: Pick<ResolvedRetry, 'initialDelayMs' | 'factor' | 'maxDelayMs' | 'jitter'>,
  attempt: number,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.round(policy.jitter === 'full' ? random() * ceiling : ceiling);
}
