// Schemas shared by several method groups: ids, timestamps, labels, error details.
import * as Type from '@sinclair/typebox';
import type { Static, TObject, TOptional, TSchema, TUnsafe } from '@sinclair/typebox';

/** A ULID: 26 Crockford base-32 characters, sortable by creation time, safe as a directory name. */
export const RunId = Type.String({
  $id: 'RunId',
  pattern: '^[0-9A-HJKMNP-TV-Z]{26}$',
  description: 'Run id (a ULID): sortable by creation time and safe as a directory name.',
});

/**
 * The name of a retained run: a run id, or the path of its directory under the runs directory, as
 * any producer names them (time stamps, slugs, nested outputDirs). 1 to 8 parts separated by "/",
 * each 1-255 characters, none starting with "." (so no "." or ".." parts), and no NUL, control
 * character, backslash or unpaired surrogate (the name is valid UTF-8).
 */
const NAME_PART = '(?!\\.)[^/\\\\\\u0000-\\u001f\\u007f\\ud800-\\udfff]{1,255}';
export const RetainedRunName = Type.String({
  $id: 'RetainedRunName',
  minLength: 1,
  maxLength: 2_047,
  pattern: `^${NAME_PART}(?:/${NAME_PART}){0,7}$`,
  description:
    'A retained run: its run id, or its directory relative to the runs directory. 1-8 "/"-separated parts of ' +
    '1-255 characters, none starting with "."; no NUL, control characters or backslashes.',
});

/** A string that can reach a process: execve cannot pass a NUL byte, so none is accepted. */
export const NO_NUL = '^[^\\u0000]*$';

export const Timestamp = Type.String({
  $id: 'Timestamp',
  format: 'date-time',
  description: 'An ISO 8601 UTC timestamp with milliseconds.',
});

export const Labels = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,63}$' }), Type.String({ maxLength: 256 }), {
  $id: 'Labels',
  maxProperties: 32,
  // Without it, keys outside the pattern pass: patternProperties only constrains the keys it matches.
  additionalProperties: false,
  description: 'Free-form key/value tags for filtering; keys are 1-63 of [A-Za-z0-9_.-].',
});

export const ActionName = Type.String({
  $id: 'ActionName',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Name of an action: 1-64 of [A-Za-z0-9._-], starting with a letter or digit.',
});

export const ServiceName = Type.String({
  $id: 'ServiceName',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Name of a service: 1-64 of [A-Za-z0-9._-], starting with a letter or digit.',
});

export const ErrorInfo = Type.Object(
  {
    reason: Type.String({ description: 'Stable snake_case reason, e.g. "timeout" or "spawn_failed".' }),
    message: Type.String(),
  },
  { $id: 'ErrorInfo', additionalProperties: false },
);

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Params of a method that takes none. */
export const NoParams = Type.Object({}, { additionalProperties: false });

/**
 * A string from a fixed set, as JSON Schema `enum`: validators then name the allowed values in one
 * message instead of one failed `const` per member.
 */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options }) as TUnsafe<T[number]>;

declare const filledIn: unique symbol;

/** An optional param with a default in the schema: the transport fills it in, so a handler always has it. */
export type TDefaulted<T extends TSchema> = TOptional<T> & { readonly [filledIn]: true };

/** Marks `schema` (which must declare a `default`) as an optional param its handler always receives. */
export function Defaulted<T extends TSchema>(schema: T): TDefaulted<T> {
  if (!('default' in schema)) throw new Error('Defaulted() needs a schema that declares its default');
  return Type.Optional(schema) as TDefaulted<T>;
}

/** Params as a handler receives them: checked against the schema, every declared default filled in. */
export type Resolved<T extends TSchema> =
  T extends TObject<infer Properties>
    ? Static<T> & {
        [K in keyof Properties as Properties[K] extends { readonly [filledIn]: true } ? K : never]-?: Static<
          Properties[K]
        >;
      }
    : Static<T>;
