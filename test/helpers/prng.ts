// A small seeded PRNG, so that a failing hardening run can be replayed exactly from the seed it prints.

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** The seed from RUNYARD_HARDENING_SEED, else `fallback`: fixed by default, so CI runs are reproducible. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env.RUNYARD_HARDENING_SEED;
  return raw === undefined || raw === '' ? fallback : Number(raw) >>> 0;
}

/** True when the long variants of the hardening tests were asked for. */
export const isLongRun = () => process.env.RUNYARD_HARDENING_LONG === '1';

/** mulberry32: 32 bits of state, fast, and good enough to spread test cases. */
export function makeRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    seed,
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (probability) => next() < probability,
    pick: (items) => items[int(items.length)]!,
  };
}
