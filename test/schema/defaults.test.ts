// withDefaults: what the daemon fills in of a request, a retry policy or a restart policy.
import t from 'tap';
import { Type } from '@sinclair/typebox';
import { withDefaults } from '../../src/schema/defaults.js';
import { DEFAULT_RETRY } from '../../src/schema/run-dir.js';
import { resolveRunSpec } from '../../src/schema/run-record.js';

const Policy = Type.Object({
  attempts: Type.Optional(Type.Integer({ default: 3 })),
  on: Type.Optional(Type.Array(Type.String(), { default: ['failed'] })),
  name: Type.Optional(Type.String()),
});

t.test('fills what is missing or undefined, keeps what is given, adds no property without a default', async (t) => {
  t.same(withDefaults(Policy, {}), { attempts: 3, on: ['failed'] });
  t.same(withDefaults(Policy, { attempts: undefined, name: 'x' }), { attempts: 3, on: ['failed'], name: 'x' });
  t.same(withDefaults(Policy, { attempts: 0, on: [] }), { attempts: 0, on: [] }, '0 and [] are values, not gaps');
});

t.test('never hands out the default the schema holds, nor changes the value given', async (t) => {
  const given = {};
  const filled = withDefaults<{ on: string[] }>(Policy, given);
  filled.on.push('timed_out');
  t.same(withDefaults<{ on: string[] }>(Policy, {}).on, ['failed'], 'the schema default is unchanged');
  t.same(given, {}, 'the value given is unchanged');
});

t.test('the schema defaults the daemon relies on', async (t) => {
  t.same(DEFAULT_RETRY, { maxAttempts: 1, initialDelayMs: 1_000, factor: 2, maxDelayMs: 60_000, jitter: 'full', on: ['failed', 'timed_out'] });
  t.match(resolveRunSpec({ argv: ['true'] }), { argv: ['true'], priority: 0, overwrite: false });
});
