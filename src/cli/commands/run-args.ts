// Argument checks shared by the run, action and service subcommands: K=V pairs, integers, run filters, the one
// positional, the words before and after --.
import { RunId } from '../../schema/common.js';
import { runStatuses } from '../../schema/run-record.js';
import { defineOptions } from '../options.js';
import { checkValue } from '../schema-words.js';
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

/**
 * A whole number of at least `minimum`; digits only (and a leading minus when `minimum` is negative),
 * so "1e3" and "0x10" are refused rather than guessed at.
 */
export function integer(flag: string, value: string | undefined, minimum = 1): number | undefined {
  if (value === undefined) return undefined;
  const digits = minimum < 0 ? /^-?\d+$/ : /^\d+$/;
  const number = digits.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(number) || number < minimum) {
    const kind = minimum < 0 ? 'an integer' : minimum === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new UsageError(`${flag} must be ${kind}, got "${value}"`);
  }
  return number;
}

/** The single positional a command takes, e.g. `only('RUN_ID', positionals)`. */
export function only(what: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError(`missing ${what}`);
  if (positionals.length > 1)
    throw new UsageError(`expected one ${what}, got ${positionals.length} arguments`);
  return positionals[0]!;
}

/** The run filters that `run list` and `runs list|latest` share, as flags. */
export const runFilterOptions = defineOptions({
  status: {
    type: 'string',
    multiple: true,
    value: 'S',
    help: 'only runs with this status (repeatable: any of them)',
    values: runStatuses,
  },
  label: {
    type: 'string',
    multiple: true,
    value: 'K=V',
    help: 'only runs with this label (repeatable: all of them)',
  },
  action: {
    type: 'string',
    value: 'NAME',
    help: 'only runs this action created (by run start ACTION or by a service)',
    completes: 'action',
  },
  service: { type: 'string', value: 'NAME', help: 'only runs this service created', completes: 'service' },
});

/** The parsed filter flags as the params of run.list and retained.list name them. */
export function runFilters(values: {
  status?: string[];
  label?: string[];
  action?: string;
  service?: string;
}) {
  return {
    status: values.status,
    labels: keyValues('--label', values.label),
    actionId: values.action,
    serviceId: values.service,
  };
}

/** The one RUN_ID of a daemon command, checked as the contract's RunId so a typo is named in words. */
export function onlyRunId(positionals: string[]): string {
  const runId = only('RUN_ID', positionals);
  checkValue(undefined, runId, RunId);
  return runId;
}

/** The parseArgs tokens that matter here; the others (options) only need their place. */
type Token =
  | { kind: 'positional'; index: number; value: string }
  | { kind: 'option' | 'option-terminator'; index: number };

/**
 * Splits at `--`: the positionals before it, and every argument after it untouched. Requiring `--`
 * keeps a command's own flags from ever being read as ours.
 */
export function splitAtTerminator(
  args: string[],
  tokens: readonly Token[],
): { before: string[]; after: string[] } {
  const terminator = tokens.find((token) => token.kind === 'option-terminator');
  const before = tokens.flatMap((token) =>
    token.kind === 'positional' && (!terminator || token.index < terminator.index) ? [token.value] : [],
  );
  return { before, after: terminator ? args.slice(terminator.index + 1) : [] };
}
