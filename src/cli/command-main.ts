// The start every command shares: its arguments parsed strictly by its options, and --help answered.
import { print } from './commands/run-format.js';
import { EXIT, parseFlags } from './usage.js';

type Parsed<T extends Parameters<typeof parseFlags>[1]> = ReturnType<typeof parseFlags<T>>;

/** A command's main: `run` gets the parsed arguments; with --help, `help` is printed instead (exit 0). */
export function commandMain<T extends Parameters<typeof parseFlags>[1]>(
  help: string,
  config: T,
  run: (parsed: Parsed<T>) => Promise<number>,
): (args: string[]) => Promise<number> {
  return async (args) => {
    const parsed = parseFlags(args, config);
    if ((parsed.values as { help?: boolean }).help) {
      await print(help + '\n');
      return EXIT.ok;
    }
    return run(parsed);
  };
}
