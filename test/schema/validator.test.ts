// The ajv configuration: schemas are compiled when first used, and every schema of the contract is valid JSON Schema.
import { readdirSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import t from 'tap';
import { methods, notifications } from '../../src/schema/index.js';
import { inlineSchema } from '../../src/schema/json-schema.js';
import { compileOnFirstUse, createAjv } from '../../src/schema/validator.js';

const isSchema = (value: unknown): value is TSchema =>
  typeof value === 'object' && value !== null && Kind in value;

t.test('a validator is compiled by its first use, not when it is declared', async (t) => {
  // Strict mode refuses an unknown keyword at compile time: the refusal shows when compiling happens.
  const validator = compileOnFirstUse(Type.String({ colour: 'red' }), createAjv);
  t.throws(() => validator(), /unknown keyword: "colour"/);
});

t.test('a validator compiled on first use is compiled once and validates', async (t) => {
  const validator = compileOnFirstUse(Type.Object({ n: Type.Integer() }), createAjv);
  const validate = validator();
  t.equal(validator(), validate, 'the second use gets the same function');
  t.ok(validate({ n: 1 }));
  t.notOk(validate({ n: 'one' }));
});

t.test('every schema of the contract passes the draft-07 meta-schema', async (t) => {
  // createAjv skips this check at compile time (it would compile the meta-schema in the daemon), so it is made here.
  const meta = new Ajv();
  const schemas = new Map<string, TSchema>();
  for (const method of methods) {
    schemas.set(`${method.name} params`, method.params);
    schemas.set(`${method.name} result`, method.result);
  }
  for (const notification of notifications) schemas.set(`${notification.name} params`, notification.params);
  const dir = new URL('../../src/schema/', import.meta.url);
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    const exported = (await import(new URL(file.replace(/\.ts$/, '.js'), dir).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exported)) if (isSchema(value)) schemas.set(`${file} ${name}`, value);
  }
  t.ok(schemas.size > 100, `${schemas.size} schemas checked`);
  for (const [name, schema] of schemas) {
    t.ok(meta.validateSchema(inlineSchema(schema)), `${name}: ${meta.errorsText(meta.errors)}`);
  }
});
