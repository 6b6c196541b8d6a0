// The contract: generated files are fresh, openrpc.json is complete, and every example works on a real daemon.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { errorRegistry } from '../../src/schema/errors.js';
import { methods, notifications } from '../../src/schema/index.js';
import { compileSchema, createAjv } from '../../src/schema/validator.js';
import { startDaemon } from '../helpers/daemon.js';
import { readJson, tempDir } from '../helpers/fs.js';

const root = new URL('../../', import.meta.url);

t.test('generated files match what src/schema generates', async (t) => {
  const generator = new URL('dist/scripts/generate.js', root).pathname;
  const result = await promisify(execFile)(process.execPath, [generator, '--check']).then(
    () => 'fresh',
    (error: { stderr: string }) => error.stderr,
  );
  t.equal(result, 'fresh');
});

t.test('openrpc.json describes every method by name, with errors and examples', async (t) => {
  const document = await readJson(new URL('openrpc.json', root));
  t.equal(document.openrpc, '1.3.2');
  t.same(
    document.methods.map((method: { name: string }) => method.name),
    methods.map((method) => method.name),
  );
  t.same(
    document['x-notifications'].map((notification: { name: string }) => notification.name),
    notifications.map((notification) => notification.name),
    'notifications are declared apart, in x-notifications',
  );
  const codes = new Set(Object.values(errorRegistry).map((spec) => spec.code));
  for (const method of document.methods) {
    t.equal(method.paramStructure, 'by-name', `${method.name} takes named params`);
    t.ok(method.examples.length >= 1, `${method.name} has an example`);
    t.ok(Array.isArray(method.errors), `${method.name} lists its errors`);
    for (const error of method.errors) t.ok(codes.has(error.code), `${method.name} error ${error.code} is registered`);
  }
  for (const notification of document['x-notifications']) {
    t.equal(notification.paramStructure, 'by-name', `${notification.name} has named params`);
    t.notOk(notification.result, `notification ${notification.name} has no result`);
  }
  t.ok(document.components.schemas.RunRecord, 'named schemas live under components.schemas');
});

t.test('notification examples fit their params schema', async (t) => {
  const ajv = createAjv();
  for (const notification of notifications) {
    const validate = compileSchema(ajv, notification.params);
    for (const example of notification.examples) {
      t.ok(validate(structuredClone(example.params)), `${notification.name} "${example.name}": ${ajv.errorsText(validate.errors)}`);
    }
  }
});

t.test('rpc.discover and GET /openrpc.json answer the committed document, naming their own URL', async (t) => {
  const daemon = await startDaemon(t);
  const committed = await readJson(new URL('openrpc.json', root));
  const expected = { ...committed, servers: [{ ...committed.servers[0], url: daemon.url }] };
  const client = await daemon.client();
  t.same(await client.call('rpc.discover'), expected);
  const http = daemon.url.replace('ws://', 'http://').replace(/\/rpc$/, '/openrpc.json');
  const served = await fetch(http, { headers: { authorization: `Bearer ${daemon.token}` } });
  t.same(await served.json(), expected);
});

t.test("every method's example runs on a real daemon and its answer fits the result schema", async (t) => {
  // With a config file, so that daemon.reloadConfig has one to read again.
  const config = join(await tempDir(t, 'contract'), 'runyard.json');
  await writeFile(config, '{}');
  const daemon = await startDaemon(t, { args: ['--config', config] });
  const client = await daemon.client();
  const ajv = createAjv();
  // Examples name a run id that does not exist here; they run against a real finished run instead,
  // one that wrote the report and the artifact the retained.* examples name.
  const existing = await client.run.start({
    argv: [
      'sh',
      '-c',
      'echo hello; printf "# all ok\\n" > reports/report.md; mkdir artifacts/out; printf "a,b\\n" > artifacts/out/data.csv',
    ],
  });
  // Service examples name these actions; long-running, as a service's actions usually are.
  for (const name of ['dev-server', 'typecheck-watch']) await client.action.set({ name, argv: ['sleep', '300'] });
  await client.run.wait({ runId: existing.runId });
  for (const method of methods) {
    const validate = compileSchema(ajv, method.result);
    for (const example of method.examples) {
      t.ok(validate(structuredClone(example.result)), `${method.name} "${example.name}" documents a valid result`);
      const params = { ...(example.params as Record<string, unknown>) };
      if ('runId' in params) params.runId = existing.runId;
      const result = await client.call(method.name, params);
      t.ok(validate(result), `${method.name} "${example.name}": ${ajv.errorsText(validate.errors)}`);
    }
  }
});
