// The params of `runyard rpc METHOD key=value ...`, typed from the method's params in the contract, and
// checked before the call: unknown keys, missing required ones, values of the wrong kind, in words.
import type { Contract, MethodDescription, ParamDescriptor } from './contract-document.js';
import { fits, kindOfValue, kindsOf, kindWords, problemWith, type JsonSchema } from './schema-words.js';
import { UsageError } from './usage.js';

const shown = (text: string) => JSON.stringify(text);

/**
 * `key=value` words as params: a value becomes what the param's schema says (a number, true/false, null,
 * a JSON object); an array param takes its key once per item, or once with a JSON array (`[...]`).
 */
export function paramsFromPairs(contract: Contract, method: MethodDescription, pairs: string[]) {
  const given = new Map<string, string[]>();
  for (const pair of pairs) {
    const split = pair.indexOf('=');
    if (split < 1) throw new UsageError(`expected key=value, got ${shown(pair)}`);
    const name = pair.slice(0, split);
    given.set(name, [...(given.get(name) ?? []), pair.slice(split + 1)]);
  }
  const params: Record<string, unknown> = {};
  for (const [name, texts] of given) {
    const param = paramOf(method, name);
    params[name] = valueOfParam(contract, param, texts);
  }
  return params;
}

function valueOfParam(contract: Contract, param: ParamDescriptor, texts: string[]): unknown {
  const resolved = contract.resolve(param.schema).schema;
  const kinds = kindsOf(resolved, contract.resolve);
  if (kinds.has('array')) {
    if (texts.length === 1 && texts[0]!.trimStart().startsWith('[')) {
      return jsonValue(param.name, texts[0]!, kinds);
    }
    if (kinds.size === 1 || texts.length > 1) {
      const items = resolved.items ?? {};
      return texts.map((text) => valueFromText(param.name, text, items, contract));
    }
  }
  if (texts.length > 1) {
    throw new UsageError(`${param.name} is given ${texts.length} times; it takes one value`);
  }
  return valueFromText(param.name, texts[0]!, resolved, contract);
}

/** One word as a value of `schema`: the text itself for a string, else the JSON it spells. */
function valueFromText(name: string, text: string, schema: JsonSchema, contract: Contract): unknown {
  const kinds = kindsOf(schema, contract.resolve);
  if (kinds.size === 1 && kinds.has('string')) return text;
  try {
    const value: unknown = JSON.parse(text);
    if (fits(kindOfValue(value), kinds)) return value;
  } catch {
    // not JSON: a string, if a string fits
  }
  if (kinds.has('string')) return text;
  throw new UsageError(`${name}: must be ${kindWords(kinds)}, got ${shown(text)}`);
}

function jsonValue(name: string, text: string, kinds: Set<string>): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${name}: must be ${kindWords(kinds)}; ${shown(text)} is not valid JSON (${(error as Error).message})`,
    );
  }
}

function paramOf(method: MethodDescription, name: string): ParamDescriptor {
  const param = method.params.find((candidate) => candidate.name === name);
  if (param) return param;
  const known = method.params.map((candidate) => candidate.name);
  throw new UsageError(
    `unknown param "${name}" for ${method.name}; ` +
      (known.length === 0 ? 'it takes none' : `its params: ${known.join(', ')}`),
  );
}

/** Refuses params the daemon would refuse for their names, presence or kinds, before the call. */
export function checkParams(
  contract: Contract,
  method: MethodDescription,
  params: Record<string, unknown>,
): void {
  for (const [name, value] of Object.entries(params)) {
    const problem = problemWith(value, paramOf(method, name).schema, contract.resolve);
    if (problem !== undefined) throw new UsageError(`${name}: ${problem}`);
  }
  const missing = method.params.filter((param) => param.required && !(param.name in params));
  if (missing.length > 0) {
    throw new UsageError(
      `${method.name} needs ${missing.map((param) => param.name).join(', ')} ` +
        `(\`runyard rpc describe ${method.name}\` shows its params)`,
    );
  }
}
