// Retry policy: which outcomes are retried and how long to wait before the next attempt.
import type { RetryPolicy, RunStatus } from '../schema/run-record.js';

export type ResolvedRetry = Required<RetryPolicy>;

export const defaultRetry: ResolvedRetry = {
  maxAttempts: 1,
  initialDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: 'full',
  on: ['failed', 'timed_out'],
};

export const resolveRetry = (policy: RetryPolicy | undefined): ResolvedRetry => ({
  ...defaultRetry,
  ...policy,
});

export const shouldRetry = (policy: ResolvedRetry, outcome: RunStatus, attempt: number): boolean =>
  attempt < policy.maxAttempts && (policy.on as readonly string[]).includes(outcome);

/** Delay before attempt `attempt + 1`: exponential, capped, with full jitter unless turned off. */
export function retryDelayMs(policy: ResolvedRetry, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.round(policy.jitter === 'full' ? random() * ceiling : ceiling);
}
