import t from 'tap';
import { runyard } from '../../src/cli/command-table.js';
import type { Command, CommandGroup } from '../../src/cli/dispatch.js';
import { optionLines } from '../../src/cli/options.js';
import { runCli } from '../helpers/cli.js';

/** Every command whose table entry declares its arguments, with the words that name it. */
function declared(group: CommandGroup, prefix: string[] = []): [string[], Command][] {
  const rows: [string[], Command][] = Object.entries(group.commands).flatMap(([name, command]) =>
    'group' in command
      ? declared(command.group, [...prefix, name])
      : command.declaration
        ? [[[...prefix, name], command] as [string[], Command]]
        : [],
  );
  if (group.otherwise?.declaration) rows.push([[...prefix, 'some.method'], group.otherwise]);
  return rows;
}

const listedFlags = (help: string) =>
  new Set([...help.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1]!));

t.test('every command declares its arguments', async (t) => {
  const paths = declared(runyard).map(([path]) => path.join(' '));
  t.ok(paths.length >= 29, `${paths.length} commands declare theirs`);
  t.ok(paths.includes('serve'), 'serve too');
});

// Help and parsing come from one declaration; this proves each command hands the same one to both.
t.test("every command's --help lists exactly the options its parser accepts", async (t) => {
  const commands = declared(runyard);
  for (let start = 0; start < commands.length; start += 6) {
    await Promise.all(
      commands.slice(start, start + 6).map(async ([path, command]) => {
        const { options } = await command.declaration!();
        const visible = Object.entries(options).filter(([, option]) => !option.hidden);
        // Every listed option at once, --help among them: a strict parser that lacked one would refuse the line.
        const line = visible.flatMap(([name, option]) =>
          option.type === 'string' ? [`--${name}`, option.values?.[0] ?? '1'] : [`--${name}`],
        );
        const help = await runCli([...path, ...line]);
        t.equal(help.code, 0, `${path.join(' ')} parses every option it lists`);
        const listed = listedFlags(help.stdout);
        t.same([...listed].sort(), visible.map(([name]) => name).sort(), `${path.join(' ')} lists them all`);
      }),
    );
  }
});

t.test('option lines put help three columns after the longest flag and continue under it', async (t) => {
  const lines = optionLines({
    'a-rather-long-flag': { type: 'string', value: 'VALUE', help: 'first\nsecond' },
    quiet: { type: 'boolean', short: 'q', help: 'say less' },
    secret: { type: 'boolean', help: 'never listed', hidden: true },
  });
  t.equal(
    lines,
    '  --a-rather-long-flag VALUE   first\n' +
      '                               second\n' +
      '  -q, --quiet                  say less',
  );
});
