// A flat object completed with the defaults its schema declares: the one thing the daemon needed of
// TypeBox's Value module, whose 150 kB of code an idle daemon would otherwise hold.
import type { TObject } from '@sinclair/typebox';

/** `value` with every property it lacks (or has as undefined) that has a `default` in `schema` set to a copy of it. */
export function withDefaults<T>(schema: TObject, value: object): T {
  const filled: Record<string, unknown> = { ...value };
  for (const [key, property] of Object.entries(schema.properties)) {
    if (filled[key] === undefined && property.default !== undefined) filled[key] = structuredClone(property.default);
  }
  return filled as T;
}
