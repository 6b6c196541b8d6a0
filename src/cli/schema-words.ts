// A value checked against a JSON Schema of the contract in the CLI, before any round trip, and what is wrong
// with it said in words ("not a run id"), not in the validator's ("must match pattern "^[0-9A-HJKMNP-TV-Z]{26}$"").
// The schemas come from the TypeBox declarations or from a daemon's rpc.discover: plain JSON Schema either way.
import { NO_NUL } from '../schema/common.js';
import { UsageError } from './usage.js';

/** The parts of JSON Schema the contract uses and the CLI reads. */
export interface JsonSchema {
  $id?: string;
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  description?: string;
}

/** A schema with its `$ref` followed, and the name it was known by (`RunId`), if any. */
export interface Resolved {
  schema: JsonSchema;
  name: string | undefined;
}

/** Follows `#/components/schemas/X` references into `components` (an OpenRPC document's). */
export function makeResolver(components: Record<string, JsonSchema> = {}): (schema: JsonSchema) => Resolved {
  return function resolve(schema: JsonSchema): Resolved {
    if (schema.$ref === undefined) return { schema, name: schema.$id };
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
    const target = components[name];
    if (target === undefined) return { schema: {}, name };
    return { schema: resolve(target).schema, name };
  };
}

/** `RunId` → "run id", `ActionName` → "action name": how a message names a kind of value. */
export function nounOf(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** The JSON types a schema admits: `integer` counts as its own, `number` admits integers too. */
export function kindsOf(schema: JsonSchema, resolve: (schema: JsonSchema) => Resolved): Set<string> {
  const target = resolve(schema).schema;
  const alternatives = target.anyOf ?? target.oneOf;
  if (alternatives) return new Set(alternatives.flatMap((one) => [...kindsOf(one, resolve)]));
  if (target.type !== undefined) return new Set(Array.isArray(target.type) ? target.type : [target.type]);
  const listed = target.enum ?? (target.const !== undefined ? [target.const] : undefined);
  if (listed) return new Set(listed.map(kindOfValue));
  return new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
}

export function kindOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export const fits = (kind: string, kinds: Set<string>): boolean =>
  kinds.has(kind) || (kind === 'integer' && kinds.has('number'));

const KIND_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a JSON object',
  null: 'null',
};

/** "an integer", "a string or null": what a value of these kinds is called. */
export function kindWords(kinds: Set<string>): string {
  const words = [...kinds].filter((kind) => !(kind === 'integer' && kinds.has('number')));
  return words.map((kind) => KIND_WORDS[kind] ?? kind).join(' or ');
}

const shown = (value: unknown) => JSON.stringify(value);

/**
 * What is wrong with `value` for `schema`, in words, or undefined when the CLI sees nothing wrong. It
 * checks what a user gets wrong by hand (type, allowed values, form, range, length) down through lists;
 * the daemon still validates the whole, objects included.
 */
export function problemWith(
  value: unknown,
  schema: JsonSchema,
  resolve: (schema: JsonSchema) => Resolved,
): string | undefined {
  const { schema: target, name } = resolve(schema);
  const alternatives = target.anyOf ?? target.oneOf;
  if (alternatives) {
    const problems = alternatives.map((one) => problemWith(value, one, resolve));
    if (problems.some((problem) => problem === undefined)) return undefined;
    // One alternative of the value's own kind says best what is wrong ("not a run id" over "must be null").
    const sameKind = alternatives.findIndex((one) => fits(kindOfValue(value), kindsOf(one, resolve)));
    return sameKind >= 0
      ? problems[sameKind]
      : `must be ${kindWords(kindsOf(target, resolve))}, got ${shown(value)}`;
  }
  const kinds = kindsOf(target, resolve);
  if (!fits(kindOfValue(value), kinds)) return `must be ${kindWords(kinds)}, got ${shown(value)}`;
  const allowed = target.enum ?? (target.const !== undefined ? [target.const] : undefined);
  if (allowed && !allowed.includes(value)) {
    return `must be ${allowed.length === 1 ? '' : 'one of '}${allowed.map((one) => String(one)).join(', ')}, got ${shown(value)}`;
  }
  if (typeof value === 'string') return stringProblem(value, target, name);
  if (typeof value === 'number') {
    if (target.minimum !== undefined && value < target.minimum)
      return `must be at least ${target.minimum}, got ${value}`;
    if (target.maximum !== undefined && value > target.maximum)
      return `must be at most ${target.maximum}, got ${value}`;
  }
  if (Array.isArray(value)) return listProblem(value, target, resolve);
  return undefined;
}

function stringProblem(value: string, schema: JsonSchema, name: string | undefined): string | undefined {
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength)
    return schema.minLength === 1
      ? 'must not be empty'
      : `must be at least ${schema.minLength} characters long`;
  if (schema.maxLength !== undefined && length > schema.maxLength)
    return `must be at most ${schema.maxLength} characters long, got ${length}`;
  if (schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(value)) return undefined;
  if (schema.pattern === NO_NUL) return 'must not contain NUL bytes';
  if (name !== undefined) {
    const hint = schema.description ? ` (${schema.description})` : '';
    return `not ${article(nounOf(name))}: ${shown(value)}${hint}`;
  }
  return `has the wrong form: ${shown(value)} does not match ${schema.pattern}`;
}

function listProblem(
  value: unknown[],
  schema: JsonSchema,
  resolve: (schema: JsonSchema) => Resolved,
): string | undefined {
  if (schema.minItems !== undefined && value.length < schema.minItems)
    return `needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`;
  if (schema.maxItems !== undefined && value.length > schema.maxItems)
    return `takes at most ${schema.maxItems} items, got ${value.length}`;
  if (schema.items === undefined) return undefined;
  for (const item of value) {
    const problem = problemWith(item, schema.items, resolve);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Refuses a value that does not fit, as a usage error: `--status: must be one of ...`. */
export function checkValue(
  label: string | undefined,
  value: unknown,
  schema: JsonSchema,
  resolve: (schema: JsonSchema) => Resolved = makeResolver(),
): void {
  const problem = problemWith(value, schema, resolve);
  if (problem !== undefined) throw new UsageError(label === undefined ? problem : `${label}: ${problem}`);
}
