// Argument checks shared by the run subcommands: K=V pairs, integers, the one RUN_ID positional.
import { UsageError } from '../usage.js';

/** `--label a=1 --label b=2` → `{ a: '1', b: '2' }`; the first `=` splits, so values may hold more. */
export function keyValues(flag: string, pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs) return undefined;
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const split = pair.indexOf('=');
    if (split < 1) throw new UsageError(`${flag} must be KEY=VALUE, got "${pair}"`);
    result[pair.slice(0, split)] = pair.slice(split + 1);
  }
  return result;
}

/** A whole number of at least `minimum`; digits only, so "1e3" and "0x10" are refused rather than guessed at. */
export function integer(flag: string, value: string | undefined, minimum = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < minimum) {
    const kind = minimum === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new UsageError(`${flag} must be ${kind}, got "${value}"`);
  }
  return number;
}

export function onlyRunId(positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError('missing RUN_ID');
  if (positionals.length > 1)
    throw new UsageError(`expected one RUN_ID, got ${positionals.length} arguments`);
  return positionals[0]!;
}
