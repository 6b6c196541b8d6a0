import t from 'tap';
import { dispatch, groupHelp, type CommandGroup } from '../../src/cli/dispatch.js';
import { UsageError } from '../../src/cli/usage.js';

/** A group whose commands record the arguments they were given. */
function fixture() {
  const calls: [string, string[]][] = [];
  const record = (name: string) => async (args: string[]) => {
    calls.push([name, args]);
    return 7;
  };
  const tool: CommandGroup = {
    name: 'runyard tool',
    intro: 'Tools.',
    outro: 'The end.',
    commands: {
      fix: { usage: [['fix FILE', 'fix one file']], main: record('fix') },
      check: {
        usage: [
          ['check', 'check everything'],
          ['check --quick PATTERN', 'check what matches'],
        ],
        main: record('check'),
      },
    },
  };
  const top: CommandGroup = {
    name: 'runyard',
    title: 'runyard — test',
    commands: {
      tool: { summary: 'tools', group: tool },
      '--hidden': { usage: [], main: record('hidden') },
    },
  };
  return { calls, tool, top };
}

t.test('a group help aligns every summary three columns after the longest synopsis', async (t) => {
  t.equal(
    groupHelp(fixture().tool),
    `Usage: runyard tool COMMAND [options]

Tools.

Commands:
  fix FILE                fix one file
  check                   check everything
  check --quick PATTERN   check what matches

The end.`,
  );
});

t.test(
  'a subgroup is listed by the names of its commands, and a command without usage rows not at all',
  async (t) => {
    t.equal(
      groupHelp(fixture().top),
      `runyard — test

Usage: runyard COMMAND [options]

Commands:
  tool fix|check   tools`,
    );
  },
);

t.test('a command runs with the arguments after its name, through its subgroups', async (t) => {
  const { calls, top } = fixture();
  t.equal(await dispatch(top, ['tool', 'check', '--quick', 'a*']), 7);
  t.equal(await dispatch(top, ['--hidden']), 7);
  t.same(calls, [
    ['check', ['--quick', 'a*']],
    ['hidden', []],
  ]);
});

t.test('the flags every command takes may come before the command, at any depth', async (t) => {
  const { calls, top } = fixture();
  await dispatch(top, ['--url', 'ws://h/rpc', 'tool', '--json', 'check', '--quick', 'a*']);
  await dispatch(top, ['tool', '--state-dir=/s', '--token', 'T', 'fix', 'f']);
  t.same(calls, [
    ['check', ['--url', 'ws://h/rpc', '--json', '--quick', 'a*']],
    ['fix', ['--state-dir=/s', '--token', 'T', 'f']],
  ]);
  // A flag no command shares is not moved: it is refused as the unknown command it is.
  await t.rejects(dispatch(top, ['--quick', 'tool', 'check']), new UsageError('unknown command "--quick"'));
});

t.test('no command prints the help on stderr and exits 2', async (t) => {
  const { tool } = fixture();
  const errors = t.capture(console, 'error');
  const logs = t.capture(console, 'log');
  t.equal(await dispatch(tool, []), 2);
  t.same(
    errors().map((call) => call.args),
    [[groupHelp(tool)]],
  );
  t.same(logs(), []);
});

t.test('--help, -h and help print the help on stdout and exit 0', async (t) => {
  const { tool } = fixture();
  for (const word of ['--help', '-h', 'help']) {
    const logs = t.capture(console, 'log');
    t.equal(await dispatch(tool, [word, 'ignored']), 0, word);
    t.same(
      logs().map((call) => call.args),
      [[groupHelp(tool)]],
      word,
    );
  }
});

t.test('an unknown command is a usage error that names the group', async (t) => {
  const { top } = fixture();
  await t.rejects(dispatch(top, ['tool', 'fixx']), new UsageError('unknown tool command "fixx"'));
  await t.rejects(dispatch(top, ['tools']), new UsageError('unknown command "tools"'));
});

t.test('a name that every object has is still an unknown command', async (t) => {
  const { top } = fixture();
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    await t.rejects(dispatch(top, ['tool', name]), new UsageError(`unknown tool command "${name}"`), name);
  }
});

t.test(
  'a name the table lacks goes to otherwise, with the name, and its usage rows follow the commands',
  async (t) => {
    const calls: string[][] = [];
    const group: CommandGroup = {
      name: 'runyard call',
      commands: { list: { usage: [['list', 'list them']], main: async () => 0 } },
      otherwise: {
        usage: [['METHOD [ARGS]', 'call one']],
        main: async (args) => {
          calls.push(args);
          return 5;
        },
      },
    };
    t.equal(await dispatch(group, ['run.status', 'runId=x']), 5);
    t.same(calls, [['run.status', 'runId=x']]);
    t.match(groupHelp(group), /^ {2}list +list them\n {2}METHOD \[ARGS\] +call one$/m);
  },
);
