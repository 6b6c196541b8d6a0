// Turns TypeBox schemas into plain JSON Schema, inline (for ajv) or with named parts as $refs (for OpenRPC).
import type { TSchema } from '@sinclair/typebox';

export type JsonSchema = { [key: string]: unknown };

export const componentRef = (name: string) => `#/components/schemas/${name}`;

/** A deep copy without TypeBox's symbol keys and without $id, so ajv can compile many schemas sharing parts. */
export function inlineSchema(schema: TSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema), (key, value) => (key === '$id' ? undefined : value));
}

/**
 * A deep copy where every sub-schema carrying a $id becomes a $ref to components.schemas; the named
 * parts are collected into `components` (which must not already hold a different schema of that name).
 */
export function referencedSchema(schema: TSchema, components: Record<string, JsonSchema>): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const { $id, ...rest } = node as JsonSchema;
    const copy: JsonSchema = {};
    for (const [key, value] of Object.entries(rest)) copy[key] = walk(value);
    if (typeof $id !== 'string') return copy;
    const existing = components[$id];
    if (existing && JSON.stringify(existing) !== JSON.stringify(copy)) {
      throw new Error(`two different schemas are named ${$id}`);
    }
    components[$id] = copy;
    return { $ref: componentRef($id) };
  };
  return walk(JSON.parse(JSON.stringify(schema))) as JsonSchema;
}
