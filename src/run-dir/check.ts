// Checking a parsed run-directory file against its schema field by field: good fields are kept, bad ones named.
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';
import { compileOnFirstUse, describeViolations } from '../schema/validator.js';

export interface FieldIssue {
  field: string;
  message: string;
}

/** The fields that have their schema's shape; every other field the file had is in `invalid`. */
export interface CheckedFields<T> {
  fields: Partial<T>;
  invalid: FieldIssue[];
}

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const isTimestamp = (schema: TSchema): boolean =>
  schema.format === 'date-time' || (Array.isArray(schema.anyOf) && schema.anyOf.some(isTimestamp));

/** The field an error is about: the first step of its path, or the missing property of the object itself. */
function fieldOf(error: ErrorObject): string | undefined {
  if (error.instancePath === '') return undefined;
  const step = error.instancePath.split('/')[1]!;
  return step.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** A whole-value check against `schema`, compiled on first use: for records judged as one (an event, a manifest entry). */
export function shapeChecker<T extends TSchema>(schema: T): (value: unknown) => value is Static<T> {
  const validator = compileOnFirstUse(schema);
  return (value): value is Static<T> => validator()(value);
}

export type FieldChecker<T extends TObject> = (value: Record<string, unknown>) => CheckedFields<Static<T>>;

/**
 * A checker for `schema`, compiled on first use. Timestamps are accepted in any form Date.parse
 * reads and come back in one (`2025-03-01T10:00:05.000Z`), so they sort as strings whatever
 * offset the file used. Mutates and returns the object it is given.
 */
export function fieldChecker<T extends TObject>(schema: T): FieldChecker<T> {
  const times = Object.entries(schema.properties)
    .filter(([, property]) => isTimestamp(property))
    .map(([name]) => name);
  const validator = compileOnFirstUse(schema);
  return (value) => {
    const invalid: FieldIssue[] = [];
    for (const name of times) {
      const time = value[name];
      if (typeof time !== 'string' || CANONICAL_TIME.test(time)) continue;
      const parsed = Date.parse(time);
      if (Number.isNaN(parsed)) {
        invalid.push({ field: name, message: 'must be a date-time' });
        delete value[name];
      } else value[name] = new Date(parsed).toISOString();
    }
    const validate = validator();
    if (!validate(value)) {
      const byField = new Map<string, ErrorObject[]>();
      for (const error of validate.errors ?? []) {
        const field = fieldOf(error);
        if (field !== undefined) byField.set(field, [...(byField.get(field) ?? []), error]);
      }
      for (const [field, errors] of byField) {
        const [first] = describeViolations(errors, 1);
        invalid.push({ field, message: `${first!.path} ${first!.message}` });
        delete value[field];
      }
    }
    return { fields: value as Partial<Static<T>>, invalid };
  };
}
