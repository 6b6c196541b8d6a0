import t from 'tap';
import { KeyedSerialQueue, SerialQueue } from '../../src/async/serial.js';

const later = <T>(value: T, turns = 3): Promise<T> =>
  new Promise((resolve) => {
    const step = (left: number) => (left === 0 ? resolve(value) : setImmediate(() => step(left - 1)));
    step(turns);
  });

t.test('work runs one piece at a time, in the order it was queued', async (t) => {
  const queue = new SerialQueue();
  const log: string[] = [];
  let running = 0;
  const piece = (name: string, turns: number) => async () => {
    running++;
    t.equal(running, 1, `${name} runs alone`);
    log.push(`start ${name}`);
    await later(null, turns);
    log.push(`end ${name}`);
    running--;
    return name;
  };
  const results = await Promise.all([
    queue.run(piece('a', 5)),
    queue.run(piece('b', 1)),
    queue.run(piece('c', 3)),
  ]);
  t.same(results, ['a', 'b', 'c']);
  t.same(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

t.test('a failure reaches its caller and does not stop what follows', async (t) => {
  const queue = new SerialQueue();
  const failed = queue.run(async () => {
    await later(null);
    throw new Error('boom');
  });
  const next = queue.run(() => 'after');
  await t.rejects(failed, /boom/);
  t.equal(await next, 'after');
  await t.resolves(queue.settled());
});

t.test('settled waits for everything queued so far', async (t) => {
  const queue = new SerialQueue();
  const done: number[] = [];
  const queued = [3, 1, 2].map((n) => queue.run(async () => done.push(await later(n, n))));
  await queue.settled();
  t.same(done, [3, 1, 2], 'all three settled, in queue order');
  await Promise.all(queued);
});

t.test('keys run side by side, each in order, and are forgotten when idle', async (t) => {
  const queue = new KeyedSerialQueue<string>();
  const log: string[] = [];
  const piece = (key: string, n: number, turns: number) => () =>
    later(null, turns).then(() => log.push(`${key}${n}`));
  const all = Promise.all([
    queue.run('x', piece('x', 1, 6)),
    queue.run('y', piece('y', 1, 1)),
    queue.run('x', piece('x', 2, 1)),
  ]);
  t.equal(queue.activeKeys, 2);
  await all;
  t.same(log, ['y1', 'x1', 'x2'], 'y did not wait for x; x2 waited for x1');
  t.equal(queue.activeKeys, 0, 'idle keys are forgotten');
  await queue.run('x', piece('x', 3, 1));
  t.same(log.at(-1), 'x3', 'a forgotten key can be used again');
});
