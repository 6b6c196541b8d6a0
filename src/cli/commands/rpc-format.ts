// How `runyard rpc list` and `rpc describe` print a daemon's contract for people: a method table, and one
// method's params (types, defaults, required marks), result, errors and an example call.
import type { Contract, MethodDescription } from '../contract-document.js';
import type { JsonSchema } from '../schema-words.js';

/** Methods, each with its summary, aligned. */
export function methodTable(methods: readonly { name: string; summary?: string }[]): string {
  const width = Math.max(...methods.map((method) => method.name.length)) + 3;
  return methods
    .map((method) => `${method.name.padEnd(width)}${method.summary ?? ''}`.trimEnd() + '\n')
    .join('');
}

/** `RunId (string)`, `integer 0..3600000`, `list of RunStatus (one of queued, running, ...)`. */
export function typeWords(schema: JsonSchema, contract: Contract): string {
  const { schema: target, name } = contract.resolve(schema);
  const inner = innerTypeWords(target, contract);
  return name === undefined ? inner : `${name} (${inner})`;
}

function innerTypeWords(schema: JsonSchema, contract: Contract): string {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map((one) => typeWords(one, contract)).join(' or ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return `one of ${schema.enum.map(String).join(', ')}`;
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any JSON value');
  if (type === 'array')
    return `list of ${schema.items ? typeWords(schema.items, contract) : 'any JSON value'}`;
  if (type === 'integer' || type === 'number') {
    const { minimum: low, maximum: high } = schema;
    if (low !== undefined && high !== undefined) return `${type} ${low}..${high}`;
    if (low !== undefined) return `${type} ≥ ${low}`;
    if (high !== undefined) return `${type} ≤ ${high}`;
  }
  if (type === 'object') return 'JSON object';
  return type;
}

const SHELL_SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;
const shellWord = (word: string) => (SHELL_SAFE.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** An example's params as `runyard rpc` words: lists of plain values as repeated keys, the rest as JSON. */
export function exampleWords(params: { name: string; value: unknown }[]): string[] {
  return params.flatMap(({ name, value }) => {
    if (typeof value === 'string') return [`${name}=${value}`];
    if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
      return value.map((item) => `${name}=${item as string}`);
    }
    return [`${name}=${JSON.stringify(value)}`];
  });
}

export function methodBlock(method: MethodDescription, contract: Contract): string {
  const about = [method.summary, method.description].filter(Boolean).map((line) => `  ${line}\n`);
  const params = method.params.map((param) => {
    const resolved = contract.resolve(param.schema).schema;
    const notes = [
      typeWords(param.schema, contract),
      resolved.default !== undefined ? `default ${JSON.stringify(resolved.default)}` : '',
      param.description ?? resolved.description ?? '',
    ].filter(Boolean);
    return [param.name, param.required ? 'required' : 'optional', notes.join('; ')] as const;
  });
  const nameWidth = Math.max(0, ...params.map(([name]) => name.length)) + 3;
  const paramLines = params.map(
    ([name, mark, notes]) => `  ${name.padEnd(nameWidth)}${mark.padEnd(11)}${notes}\n`,
  );
  const errors = (method.errors ?? []).map(
    (error) => `  ${String(error.code).padEnd(7)}${(error.data?.reason ?? '').padEnd(24)}${error.message}\n`,
  );
  const example = method.examples?.[0];
  const exampleLines = example
    ? [
        `\nExample${example.name ? `: ${example.name}` : ''}\n`,
        `  runyard rpc ${[method.name, ...exampleWords(example.params)].map(shellWord).join(' ')}\n`,
      ]
    : [];
  return [
    `${method.name}\n`,
    ...about,
    `\nParams:${paramLines.length === 0 ? ' none' : ''}\n`,
    ...paramLines,
    `\nResult: ${method.result ? typeWords(method.result.schema, contract) : 'none'}\n`,
    `\nErrors:${errors.length === 0 ? ' none of its own (JSON-RPC errors aside)' : ''}\n`,
    ...errors,
    ...exampleLines,
  ].join('');
}
