// openrpc.json passes the strict OpenRPC check that foreign generators need, and the check catches each
// defect it exists for.
import t from 'tap';
import { lintOpenRpcDocument } from '../../scripts/openrpc-lint.js';
import { readJson } from '../helpers/fs.js';

const committed = () => readJson(new URL('../../openrpc.json', import.meta.url));

t.test('openrpc.json passes the meta-schema and the strict checks', async (t) => {
  t.same(lintOpenRpcDocument(await committed()), []);
});

t.test('every method lists its required params before the optional ones', async (t) => {
  for (const method of (await committed()).methods as { name: string; params: { required: boolean }[] }[]) {
    const flags = method.params.map((param) => param.required);
    t.same(flags, [...flags].sort((a, b) => Number(b) - Number(a)), method.name);
  }
});

t.test('notifications are not callable methods: they sit in x-notifications', async (t) => {
  const document = await committed();
  const names = (list: { name: string }[]) => list.map((entry) => entry.name);
  t.same(names(document['x-notifications']), ['run.event', 'run.gap']);
  t.notOk(names(document.methods).includes('run.event'));
  t.notOk(names(document.methods).includes('run.gap'));
});

t.test('the strict check finds each defect it exists for', async (t) => {
  const broken = await committed();
  const setAction = broken.methods.find((method: { name: string }) => method.name === 'action.set');
  setAction.params.reverse();
  broken.methods.push(structuredClone(broken.methods[0]));
  const [notification] = broken['x-notifications'];
  broken.methods.push({ ...notification, name: 'run.pushed' });
  broken.methods[1].result = { name: 'result', schema: { $ref: '#/components/schemas/NoSuchSchema' } };
  const problems = lintOpenRpcDocument(broken);
  for (const expected of [
    /^action\.set: required param \S+ follows an optional one$/,
    /^daemon\.info is declared twice$/,
    /^run\.pushed has no result: a notification belongs in x-notifications/,
    /NoSuchSchema resolves to nothing/,
  ]) {
    t.ok(
      problems.some((problem) => expected.test(problem)),
      `${expected.source} is reported`,
      { problems },
    );
  }
  t.match(lintOpenRpcDocument({ ...broken, info: undefined }), [/^not a valid OpenRPC document/]);
});
