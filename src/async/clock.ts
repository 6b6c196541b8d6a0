// The monotonic clock where a daemon reads one at start (the scans of its runs directory): process.hrtime, because
// the first use of performance.now() loads perf_hooks, about 0.35 MB an idle daemon would keep for nothing else.

/** Milliseconds on a clock that never jumps, unlike Date.now(): for durations and deadlines. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
