// The one ajv configuration: the daemon validates params with it, tests validate results with it.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { NO_NUL } from './common.js';
import { inlineSchema } from './json-schema.js';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function createAjv(): Ajv {
  // useDefaults fills in documented defaults, so handlers see every optional param resolved.
  // strictRequired off: run.start's oneOf names argv and action, which live in the parent's properties.
  // validateSchema off: checking each schema against the draft-07 meta-schema first compiles that
  // meta-schema, ~110 ms of CPU and its validator kept, paid by the daemon's first call; the schemas are
  // ours and test/schema/validator.test.ts checks every one of them against it instead. Strict mode
  // (unknown keywords and formats) still applies at compile time.
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false,
  });
  ajv.addFormat('date-time', ISO_TIMESTAMP);
  return ajv;
}

export const compileSchema = (ajv: Ajv, schema: TSchema): ValidateFunction => ajv.compile(inlineSchema(schema));

let shared: Ajv | undefined;

/**
 * The one Ajv of the daemon's checks (params, run-directory files, the config file), made when the first
 * schema is compiled: each instance holds its own vocabularies, rules and draft-07 meta-schema, and the
 * two an idle daemon made at start (it compiles nothing) held 0.2 MB of its heap.
 */
export const sharedAjv = (): Ajv => (shared ??= createAjv());

/**
 * `schema`'s validator, compiled by the first call that needs it. Compiling is what costs: the daemon's
 * 29 params schemas made 15 MB of start-up garbage and 2.4 MB of live code and closures compiled
 * eagerly, while a client calls a handful of methods; a method's first call pays 10-50 ms of CPU, once.
 */
export function compileOnFirstUse(schema: TSchema, ajv: () => Ajv = sharedAjv): () => ValidateFunction {
  let validate: ValidateFunction | undefined;
  return () => (validate ??= compileSchema(ajv(), schema));
}

export interface SchemaViolation {
  path: string;
  message: string;
}

const depthOf = (violation: SchemaViolation) => violation.path.split('/').length;

/**
 * ajv's errors as `path` + `message`, with the offending property named in the path. The
 * shallowest come first, so 40 bad label keys cannot hide a wrong top-level field past the cap.
 */
export function describeViolations(errors: readonly ErrorObject[], max = 20): SchemaViolation[] {
  const violations = errors.map((error): SchemaViolation => {
    switch (error.keyword) {
      case 'required':
        return { path: `${error.instancePath}/${error.params.missingProperty}`, message: 'is required' };
      case 'additionalProperties':
        return { path: `${error.instancePath}/${error.params.additionalProperty}`, message: 'is not allowed here' };
      case 'oneOf':
        return { path: error.instancePath || '/', message: 'must give exactly one of the alternatives above' };
      case 'pattern':
        // The one pattern whose wording would puzzle: it is there because execve cannot pass a NUL byte.
        if (error.params.pattern === NO_NUL) return { path: error.instancePath, message: 'must not contain NUL bytes' };
        return { path: error.instancePath || '/', message: error.message ?? error.keyword };
      case 'enum':
        return {
          path: error.instancePath || '/',
          message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        };
      default:
        return { path: error.instancePath || '/', message: error.message ?? error.keyword };
    }
  });
  return violations.sort((a, b) => depthOf(a) - depthOf(b)).slice(0, max);
}
