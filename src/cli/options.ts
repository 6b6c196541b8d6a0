// What a command declares of its arguments, once: its options feed parseFlags, the option lines of its
// --help and shell completion; its positionals feed completion.

/** What a value completes to in a shell: names asked of a running daemon, or the shell's own files. */
export type Completion =
  | 'run-id'
  | 'action'
  | 'service'
  /** A service or an action. */
  | 'name'
  | 'method'
  | 'file'
  | 'dir'
  | 'command';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** How the help names its value: `N`, `DIR`. */
  value?: string;
  /** Its help, on one line; a `\n` continues it on the next, under the first. */
  help: string;
  /** The values it allows, offered by completion: from the contract where the contract has them. */
  values?: readonly string[];
  completes?: Completion;
  /** Parsed but not listed: `runyard logs --json`, refused with a pointer to what to use instead. */
  hidden?: boolean;
}

/** Keyed by the option's long name, as node:util parseArgs takes them, so parseFlags types its values. */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  name: string;
  completes?: Completion;
  values?: readonly string[];
}

/** A command's arguments: its options, and its positionals in order; `command` takes everything after `--`. */
export interface Declaration {
  options: OptionTable;
  positionals?: readonly PositionalSpec[];
}

/** Keeps each option's literal type (`'string'`, `true`), which parseFlags needs to type the values. */
export const defineOptions = <const T extends OptionTable>(options: T): T => options;

/** Option lines need at least this much room before their help, so most commands line up alike. */
const MIN_WIDTH = 24;

/** The option lines of a --help: help three columns after the longest, continuation lines under it. */
export function optionLines(options: OptionTable): string {
  const rows = Object.entries(options)
    .filter(([, option]) => !option.hidden)
    .map(([name, option]) => [flagWords(name, option), option.help] as const);
  const width = Math.max(MIN_WIDTH, ...rows.map(([flag]) => flag.length + 3));
  return rows
    .map(([flag, help]) => `  ${flag.padEnd(width)}${help.split('\n').join(`\n  ${' '.repeat(width)}`)}`)
    .join('\n');
}

function flagWords(name: string, option: OptionSpec): string {
  const flag = `--${name}${option.value ? ` ${option.value}` : ''}`;
  return option.short ? `-${option.short}, ${flag}` : flag;
}
