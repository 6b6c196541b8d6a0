// Compares what the daemon really sent or wrote with an example from the docs: same keys and values,
// except values that differ per run, which match by type or pattern. Run ids seen in an answer are bound
// to the example's ids, so later examples that name those ids are sent with the real ones.
import { basename, isAbsolute } from 'node:path';

const ULID = /\b[0-9A-HJKMNP-TV-Z]{26}\b/g;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// A login URL's one-time code is new at every call: the docs' code stands for whatever code came.
const LOGIN_CODE = /\/login\/[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Check = (expected: unknown, actual: unknown) => boolean;

const nullOr =
  (check: (actual: unknown) => boolean): Check =>
  (expected, actual) =>
    expected === null ? actual === null : check(actual);
const isTimestamp = nullOr((actual) => typeof actual === 'string' && ISO_TIMESTAMP.test(actual));
const isCount = nullOr((actual) => Number.isSafeInteger(actual) && (actual as number) >= 0);

/** Fields whose value changes from run to run, by property name. */
const varying: Record<string, Check> = {
  createdAt: isTimestamp,
  startedAt: isTimestamp,
  finishedAt: isTimestamp,
  time: isTimestamp,
  at: isTimestamp,
  nextAttemptAt: isTimestamp,
  expiresAt: isTimestamp,
  pid: nullOr((actual) => Number.isSafeInteger(actual) && (actual as number) > 0),
  durationMs: isCount,
  version: (_, actual) => typeof actual === 'string' && /^\d+\.\d+\.\d+/.test(actual),
  correlationId: (_, actual) => typeof actual === 'string' && UUID.test(actual),
  // A new node id for every state directory, so for every test daemon.
  nodeId: (_, actual) => typeof actual === 'string' && UUID.test(actual),
  lastHeartbeatAt: isTimestamp,
  // The resolved executable: /usr/bin/echo here, /bin/echo there.
  command: (expected, actual) =>
    typeof expected === 'string' && isAbsolute(expected)
      ? typeof actual === 'string' && isAbsolute(actual) && basename(actual) === basename(expected)
      : expected === actual,
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const show = (value: unknown) => JSON.stringify(value);

export class ExampleMatcher {
  /** The docs' run id → the real one. */
  readonly #ids = new Map<string, string>();
  readonly #replacements: readonly (readonly [string, string])[];

  /** `replacements`: literal text of the docs (a runs directory, a URL) → what this daemon has instead. */
  constructor(replacements: readonly (readonly [string, string])[]) {
    this.#replacements = replacements;
  }

  /** The real id bound to a run id of the docs. */
  realId(docId: string): string | undefined {
    return this.#ids.get(docId);
  }

  /** Replaces the docs' run ids that are already bound with the real ones, e.g. in a request. */
  substituteIds(text: string): string {
    return text.replace(ULID, (id) => this.#ids.get(id) ?? id);
  }

  /** Mismatches between expected and actual, as readable lines; empty when they match. */
  compare(expected: unknown, actual: unknown, options: { subset?: boolean } = {}): string[] {
    const problems: string[] = [];
    this.#compare(expected, actual, '', undefined, options.subset ?? false, problems);
    return problems;
  }

  #compare(
    expected: unknown,
    actual: unknown,
    path: string,
    key: string | undefined,
    subset: boolean,
    problems: string[],
  ) {
    const at = path || '(top)';
    const check = key === undefined ? undefined : varying[key];
    if (check) {
      if (!check(expected, actual))
        problems.push(`${at}: expected something like ${show(expected)}, got ${show(actual)}`);
      return;
    }
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) return void problems.push(`${at}: expected an array, got ${show(actual)}`);
      if (actual.length !== expected.length) {
        return void problems.push(
          `${at}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`,
        );
      }
      expected.forEach((item, index) =>
        this.#compare(item, actual[index], `${path}[${index}]`, undefined, subset, problems),
      );
      return;
    }
    if (expected !== null && typeof expected === 'object') {
      if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
        return void problems.push(`${at}: expected an object, got ${show(actual)}`);
      }
      const expectedKeys = Object.keys(expected);
      const actualKeys = Object.keys(actual);
      const missing = expectedKeys.filter((name) => !Object.hasOwn(actual, name));
      const extra = subset ? [] : actualKeys.filter((name) => !Object.hasOwn(expected, name));
      if (missing.length > 0) problems.push(`${at}: missing keys ${missing.join(', ')}`);
      if (extra.length > 0) problems.push(`${at}: undocumented keys ${extra.join(', ')}`);
      for (const name of expectedKeys) {
        if (!Object.hasOwn(actual, name)) continue;
        const value = (actual as Record<string, unknown>)[name];
        this.#compare(
          (expected as Record<string, unknown>)[name],
          value,
          `${path}.${name}`,
          name,
          subset,
          problems,
        );
      }
      return;
    }
    if (typeof expected === 'string') return this.#compareString(expected, actual, at, problems);
    if (!Object.is(expected, actual)) problems.push(`${at}: expected ${show(expected)}, got ${show(actual)}`);
  }

  #compareString(expected: string, actual: unknown, at: string, problems: string[]) {
    if (typeof actual !== 'string')
      return void problems.push(`${at}: expected a string, got ${show(actual)}`);
    let wanted = expected;
    for (const [docText, realText] of this.#replacements) wanted = wanted.split(docText).join(realText);
    const code = LOGIN_CODE.exec(actual)?.[0];
    if (code !== undefined) wanted = wanted.replace(LOGIN_CODE, code);
    const ids = wanted.match(ULID) ?? [];
    if (ids.every((id) => this.#ids.has(id))) {
      const exact = this.substituteIds(wanted);
      if (exact !== actual) problems.push(`${at}: expected ${show(exact)}, got ${show(actual)}`);
      return;
    }
    // The docs' ids not seen yet stand for whatever real id is in their place; bind them.
    const parts = wanted.split(ULID);
    const fresh: string[] = [];
    let pattern = escape(parts[0]!);
    ids.forEach((id, index) => {
      const realId = this.#ids.get(id);
      if (realId !== undefined) {
        pattern += escape(realId);
      } else {
        pattern += '([0-9A-HJKMNP-TV-Z]{26})';
        fresh.push(id);
      }
      pattern += escape(parts[index + 1]!);
    });
    const match = new RegExp(`^${pattern}$`).exec(actual);
    if (!match) {
      return void problems.push(
        `${at}: expected ${show(this.substituteIds(wanted))} (fresh run ids aside), got ${show(actual)}`,
      );
    }
    fresh.forEach((docId, index) => {
      const realId = match[index + 1]!;
      const boundTo = this.#ids.get(docId);
      const owner = [...this.#ids].find(([, real]) => real === realId)?.[0];
      if (boundTo !== undefined && boundTo !== realId) {
        problems.push(`${at}: ${docId} appears twice here, standing for ${boundTo} and ${realId}`);
      } else if (owner !== undefined && owner !== docId) {
        problems.push(`${at}: ${realId} is shown as ${owner} in an earlier example, but here as ${docId}`);
      } else {
        this.#ids.set(docId, realId);
      }
    });
  }
}
