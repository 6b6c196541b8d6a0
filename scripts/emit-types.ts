// Writes TypeScript type expressions for the JSON Schema subset our TypeBox schemas produce.
import type { JsonSchema } from '../src/schema/json-schema.js';

const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);
const isIdentifier = (name: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);

export function docComment(schema: JsonSchema, indent: string): string {
  const parts: string[] = [];
  if (typeof schema.description === 'string') parts.push(schema.description);
  if (schema.default !== undefined) parts.push(`Default: ${JSON.stringify(schema.default)}.`);
  return parts.length ? `${indent}/** ${parts.join(' ')} */\n` : '';
}

export function typeOf(schema: JsonSchema, indent = ''): string {
  if (typeof schema.$ref === 'string') return refName(schema.$ref);
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  // On an object, oneOf only says which of its properties are required (run.start: argv or action).
  if (union && schema.type === 'object') return requiringOneOf(schema, union, indent);
  if (union) return union.map((member) => typeOf(member, indent)).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = typeOf(schema.items as JsonSchema, indent);
      return /[|&]/.test(item) ? `Array<${item}>` : `${item}[]`;
    }
    case 'object':
      return objectType(schema, indent);
    default:
      return 'unknown';
  }
}

function objectType(schema: JsonSchema, indent: string): string {
  const inner = `${indent}  `;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const members = Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {}).map(
    ([name, property]) => {
      const key = isIdentifier(name) ? name : JSON.stringify(name);
      const optional = required.has(name) ? '' : '?';
      return `${docComment(property, inner)}${inner}${key}${optional}: ${typeOf(property, inner)};\n`;
    },
  );
  const patterns = Object.values((schema.patternProperties as Record<string, JsonSchema> | undefined) ?? {});
  const extra =
    typeof schema.additionalProperties === 'object' ? [schema.additionalProperties as JsonSchema] : [];
  for (const value of [...patterns, ...extra])
    members.push(`${inner}[key: string]: ${typeOf(value, inner)};\n`);
  if (members.length === 0) return 'Record<string, never>';
  return `{\n${members.join('')}${indent}}`;
}

/** `Base & ({ a: A } | { b: B })`: the object, with exactly the properties each alternative requires. */
function requiringOneOf(schema: JsonSchema, alternatives: JsonSchema[], indent: string): string {
  const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
  const branches = alternatives.map((alternative) => {
    const names = (alternative.required as string[] | undefined) ?? [];
    return `{ ${names.map((name) => `${name}: ${typeOf(properties[name]!, indent)}`).join('; ')} }`;
  });
  return `${objectType(schema, indent)} & (${branches.join(' | ')})`;
}
