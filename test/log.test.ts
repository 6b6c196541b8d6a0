// The logger itself: levels filter, JSON lines for tools, pretty lines for people.
import t from 'tap';
import { createLogger, type LoggerOptions } from '../src/log.js';

function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  return { lines, log: createLogger({ ...options, write: (line) => lines.push(line) }) };
}

t.test('entries below the level are dropped', async (t) => {
  const { lines, log } = capture({ level: 'warn' });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  t.same(
    lines.map((line) => (JSON.parse(line) as { level: string }).level),
    ['warn', 'error'],
  );
});

t.test('the default level is info', async (t) => {
  const { lines, log } = capture();
  log.debug('hidden');
  log.info('shown');
  t.equal(lines.length, 1);
  t.match(lines[0], /"message":"shown"/);
});

t.test('a JSON line holds time, level, message, the fields, and an error as its stack', async (t) => {
  const { lines, log } = capture({ format: 'json' });
  log.error('failed', { runId: 'r1', error: new Error('boom') });
  t.equal(lines[0]!.split('\n').length, 2, 'one line');
  t.match(JSON.parse(lines[0]!), {
    time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    level: 'error',
    message: 'failed',
    runId: 'r1',
    error: /^Error: boom\n {4}at /,
  });
});

t.test('a pretty line is time, level, message and key=value pairs, quoted where needed', async (t) => {
  const { lines, log } = capture({ format: 'pretty', level: 'debug' });
  log.debug('run finished', {
    runId: 'r1',
    status: 'failed',
    error: 'exited with code 3',
    attempts: 1,
    gone: null,
  });
  t.equal(
    lines[0]!.replace(/^\d\d:\d\d:\d\d\.\d{3} /, 'T '),
    'T DEBUG run finished runId=r1 status=failed error="exited with code 3" attempts=1 gone=null\n',
  );
});

t.test('a pretty line stays one line whatever a field holds, and a stack follows it indented', async (t) => {
  const { lines, log } = capture({ format: 'pretty' });
  log.warn('handshake refused', { origin: 'https://x\nINFO forged line' });
  t.equal(lines[0]!.trimEnd().split('\n').length, 1);
  t.match(lines[0], 'origin="https://x\\nINFO forged line"');
  log.error('bug', { error: new Error('boom') });
  const [head, ...stack] = lines[1]!.trimEnd().split('\n');
  t.match(head, /ERROR bug$/);
  t.match(stack[0], /^ {4}Error: boom$/);
  t.ok(stack.length > 1 && stack.every((line) => line.startsWith('    ')));
});

t.test('colour, when asked for, marks only the level', async (t) => {
  const { lines, log } = capture({ format: 'pretty', color: true });
  log.warn('w', { a: 1 });
  t.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} \x1b\[33mWARN \x1b\[39m w a=1\n$/);
});
