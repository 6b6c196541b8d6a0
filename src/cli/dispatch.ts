// How a command group runs from its table: dispatch, its help text, and the usage error for an unknown command.
import { clientOptions } from './client-flags.js';
import type { Declaration } from './options.js';
import { EXIT, UsageError } from './usage.js';

/** One row of a group's help: how the command is called, and what that does. */
export type Usage = readonly [synopsis: string, summary: string];

export interface Command {
  /** Its rows in the group's help, one per way of calling it; none for an alias such as `--version`. */
  usage: readonly Usage[];
  /**
   * Runs it with the arguments after its name and resolves to the exit code. The command's module is
   * imported in here, on first use, so that starting the CLI loads the one command it runs.
   */
  main: (args: string[]) => Promise<number>;
  /** Its options and positionals, for completion; imported on demand, as `main` is. */
  declaration?: () => Promise<Declaration>;
}

/** A command that is a group of its own, listed in its parent's help by the names of its commands. */
export interface Subgroup {
  summary: string;
  group: CommandGroup;
}

export interface CommandGroup {
  /** The words that reach the group: `runyard run`. */
  name: string;
  /** A line above the usage line. */
  title?: string;
  /** What follows the name in the usage line. Default: `COMMAND [options]`. */
  synopsis?: string;
  /** Paragraphs between the usage line and the command list. */
  intro?: string;
  /** Paragraphs after the command list. */
  outro?: string;
  commands: Readonly<Record<string, Command | Subgroup>>;
  /**
   * Runs any name the table lacks, with that name as its first argument (`runyard rpc run.status ...`);
   * its usage rows follow the commands'. Without it such a name is a usage error.
   */
  otherwise?: Command;
}

type Main = (args: string[]) => Promise<number>;

/**
 * The command that module's export `name` runs, imported on first use so that starting the CLI loads the
 * one command it runs; its `declaration` (for completion) is imported on demand too.
 */
export function lazy<K extends string>(
  load: () => Promise<Record<K, Main> & { declaration: Declaration }>,
  name: K,
): Pick<Command, 'main' | 'declaration'> {
  return {
    main: async (args) => (await load())[name](args),
    declaration: async () => (await load()).declaration,
  };
}

const HELP_WORDS = new Set(['--help', '-h', 'help']);

/**
 * Runs the command that `args` names. No command prints the group's help on stderr (exit 2); `--help`,
 * `-h` and `help` print it on stdout (exit 0); a name the table lacks is a usage error.
 */
export async function dispatch(group: CommandGroup, args: string[]): Promise<number> {
  const [name, ...rest] = commandFirst(args);
  if (name === undefined) {
    console.error(groupHelp(group));
    return EXIT.usage;
  }
  if (HELP_WORDS.has(name)) {
    console.log(groupHelp(group));
    return EXIT.ok;
  }
  // Own properties only: `runyard run constructor` is an unknown command, not Object's.
  const command = Object.hasOwn(group.commands, name) ? group.commands[name]! : undefined;
  if (command === undefined && group.otherwise) return group.otherwise.main(args);
  if (command === undefined) {
    const noun = [...group.name.split(' ').slice(1), 'command'].join(' ');
    throw new UsageError(`unknown ${noun} "${name}"`);
  }
  return 'group' in command ? dispatch(command.group, rest) : command.main(rest);
}

/**
 * `runyard rpc --url URL list`: the flags every command takes may come before the command's word, as
 * they do in `git -C DIR status`. They are moved after it, where the command parses them; anything
 * else in front (an unknown flag, a command's own option) is left for the usage error it deserves.
 */
function commandFirst(args: string[]): string[] {
  let index = 0;
  while (index < args.length) {
    const [flag, inline] = args[index]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const spec = flag.startsWith('--')
      ? Object.entries(clientOptions).find(([long]) => `--${long}` === flag)
      : undefined;
    if (spec === undefined || spec[0] === 'help') break;
    index += spec[1].type === 'string' && inline === undefined ? 2 : 1;
  }
  if (index === 0 || index >= args.length) return args;
  return [args[index]!, ...args.slice(0, index), ...args.slice(index + 1)];
}

export function groupHelp(group: CommandGroup): string {
  const rows = Object.entries(group.commands).flatMap(([name, command]): Usage[] =>
    'group' in command
      ? [[`${name} ${listedNames(command.group).join('|')}`, command.summary]]
      : [...command.usage],
  );
  rows.push(...(group.otherwise?.usage ?? []));
  // Summaries start three columns after the longest synopsis.
  const width = Math.max(...rows.map(([synopsis]) => synopsis.length)) + 3;
  const list = rows.map(([synopsis, summary]) => `  ${synopsis.padEnd(width)}${summary}`).join('\n');
  return [
    group.title,
    `Usage: ${group.name} ${group.synopsis ?? 'COMMAND [options]'}`,
    group.intro,
    `Commands:\n${list}`,
    group.outro,
  ]
    .filter((paragraph) => paragraph !== undefined)
    .join('\n\n');
}

const listedNames = (group: CommandGroup) =>
  Object.entries(group.commands)
    .filter(([, command]) => 'group' in command || command.usage.length > 0)
    .map(([name]) => name);
