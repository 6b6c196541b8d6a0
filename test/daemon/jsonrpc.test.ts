// JSON-RPC 2.0 conformance over raw frames, including the cases json-rpc-2.0 gets wrong on its own.
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

t.test('JSON-RPC framing', async (t) => {
  const daemon = await startDaemon(t);
  const socket = await daemon.socket();

  t.test('invalid JSON answers -32700 with a null id', async (t) => {
    const answer = (await socket.request('{"jsonrpc":"2.0","method":')) as any;
    t.match(answer, { jsonrpc: '2.0', id: null, error: { code: -32700, message: String } });
    t.equal(answer.id, null);
  });

  t.test('an empty batch answers one -32600, not an array', async (t) => {
    const answer = (await socket.request([])) as any;
    t.notOk(Array.isArray(answer));
    t.match(answer, { id: null, error: { code: -32600 } });
  });

  t.test('a one-element batch answers an array of one', async (t) => {
    const answer = (await socket.request([{ jsonrpc: '2.0', id: 7, method: 'daemon.info' }])) as any;
    t.ok(Array.isArray(answer));
    t.equal(answer.length, 1);
    t.match(answer[0], { id: 7, result: { pid: daemon.child.pid } });
  });

  t.test('a batch answers each request and skips its notifications', async (t) => {
    const answer = (await socket.request([
      { jsonrpc: '2.0', id: 'a', method: 'daemon.info' },
      { jsonrpc: '2.0', method: 'daemon.info' },
      { jsonrpc: '2.0', id: 'b', method: 'no.such' },
      42,
    ])) as any[];
    t.equal(answer.length, 3);
    t.match(
      answer.find((a) => a.id === 'a'),
      { result: { pid: daemon.child.pid } },
    );
    t.match(
      answer.find((a) => a.id === 'b'),
      { error: { code: -32601 } },
    );
    t.match(
      answer.find((a) => a.id === null),
      { error: { code: -32600 } },
    );
  });

  t.test('a notification gets no answer, even for an unknown method or bad params', async (t) => {
    socket.send({ jsonrpc: '2.0', method: 'daemon.info' });
    socket.send({ jsonrpc: '2.0', method: 'no.such' });
    socket.send({ jsonrpc: '2.0', method: 'run.status', params: { runId: 5 } });
    const answer = (await socket.request({ jsonrpc: '2.0', id: 'after', method: 'daemon.info' })) as any;
    t.equal(
      answer.id,
      'after',
      'the first answer on the socket belongs to the request after the notifications',
    );
  });

  t.test('a batch of notifications only gets no answer at all', async (t) => {
    socket.send([{ jsonrpc: '2.0', method: 'daemon.info' }]);
    t.ok(await socket.silentFor(300));
  });

  for (const method of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    t.test(`method name ${method} from Object.prototype answers -32601`, async (t) => {
      const answer = (await socket.request({ jsonrpc: '2.0', id: 1, method })) as any;
      t.match(answer, { id: 1, error: { code: -32601 } });
    });
  }

  const invalid: [string, unknown][] = [
    ['a JSON string instead of a request', '"hello"'],
    ['a JSON number instead of a request', '42'],
    ['a missing jsonrpc version', { id: 1, method: 'daemon.info' }],
    ['a wrong jsonrpc version', { jsonrpc: '1.0', id: 1, method: 'daemon.info' }],
    ['a method that is not a string', { jsonrpc: '2.0', id: 1, method: 5 }],
    ['an object id', { jsonrpc: '2.0', id: { a: 1 }, method: 'daemon.info' }],
    ['scalar params', { jsonrpc: '2.0', id: 1, method: 'daemon.info', params: 3 }],
    ['null', null],
  ];
  for (const [name, frame] of invalid) {
    t.test(`${name} answers -32600`, async (t) => {
      const answer = (await socket.request(frame)) as any;
      t.match(answer, { jsonrpc: '2.0', error: { code: -32600 } });
    });
  }

  t.test('positional params answer -32602: params are named only', async (t) => {
    const answer = (await socket.request({
      jsonrpc: '2.0',
      id: 1,
      method: 'run.status',
      params: ['x'],
    })) as any;
    t.match(answer, { id: 1, error: { code: -32602, data: { reason: 'invalid_params' } } });
  });

  t.test('params violations name each path, capped at 20', async (t) => {
    const params = {
      argv: ['true'],
      bogus: 1,
      timeoutMs: -5,
      labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`bad key ${i}`, 'v'])),
    };
    const answer = (await socket.request({ jsonrpc: '2.0', id: 2, method: 'run.start', params })) as any;
    t.equal(answer.error.code, -32602);
    t.equal(answer.error.data.reason, 'invalid_params');
    t.ok(answer.error.data.errors.length <= 20);
    const paths = answer.error.data.errors.map((e: any) => e.path);
    t.ok(paths.includes('/bogus'), 'the unknown field is named');
    t.ok(paths.includes('/timeoutMs'), 'the negative timeout is named');
    t.match(answer.error.message, /Invalid params/);
  });

  t.test('a missing required param is named in the path', async (t) => {
    const answer = (await socket.request({ jsonrpc: '2.0', id: 3, method: 'run.status', params: {} })) as any;
    t.same(answer.error.data.errors, [{ path: '/runId', message: 'is required' }]);
  });

  t.test('run.start names both alternatives when neither argv nor action is given', async (t) => {
    const answer = (await socket.request({ jsonrpc: '2.0', id: 4, method: 'run.start', params: {} })) as any;
    const paths = answer.error.data.errors.map((e: { path: string }) => e.path);
    t.ok(paths.includes('/argv') && paths.includes('/action'));
    const both = (await socket.request({
      jsonrpc: '2.0',
      id: 5,
      method: 'run.start',
      params: { argv: ['true'], action: 'lint' },
    })) as any;
    t.match(both.error, { code: -32602, data: { errors: [{ path: '/', message: /exactly one/ }] } });
  });

  t.test('string ids and null ids are echoed back', async (t) => {
    t.match(await socket.request({ jsonrpc: '2.0', id: 'x-1', method: 'daemon.info' }), { id: 'x-1' });
    t.match(await socket.request({ jsonrpc: '2.0', id: null, method: 'daemon.info' }), {
      id: null,
      result: {},
    });
  });

  t.test('an application error carries its code, reason and data', async (t) => {
    const runId = '01JD6W4ZK3Q8V5N2M7XKCB9TRE';
    const answer = (await socket.request({
      jsonrpc: '2.0',
      id: 4,
      method: 'run.status',
      params: { runId },
    })) as any;
    t.same(answer.error, {
      code: 1001,
      message: `run ${runId} not found`,
      data: { reason: 'run_not_found', runId },
    });
  });
});
