// `runyard completion bash|zsh`: prints the shell's completion script, generated from the command table.
import { completionScript } from '../completion-script.js';
import { defineOptions, optionLines } from '../options.js';
import { EXIT, UsageError, parseFlags } from '../usage.js';
import { clientOptions } from '../client-options.js';
import { only } from './run-args.js';
import { print } from './run-format.js';

const SHELLS = ['bash', 'zsh'] as const;

const OPTIONS = defineOptions({ help: clientOptions.help });

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'SHELL', values: SHELLS }],
} as const;

const HELP = `Usage: runyard completion bash|zsh

Prints a completion script for the shell: commands, options, the values of options that take one of a
few, and the run ids, action, service and method names of the running daemon (none when no daemon
runs). Install it for bash with \`source <(runyard completion bash)\` in ~/.bashrc; for zsh with
\`runyard completion zsh > "\${fpath[1]}/_runyard"\` (any directory on $fpath), then a new shell.

${optionLines(OPTIONS)}`;

export async function completion(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { allowPositionals: true, options: OPTIONS });
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  const shell = only('SHELL', positionals);
  if (!isShell(shell)) throw new UsageError(`SHELL must be bash or zsh, got "${shell}"`);
  // Imported here: the table imports this module, lazily, on its own.
  const { runyard } = await import('../command-table.js');
  await print(await completionScript(shell, runyard));
  return EXIT.ok;
}

const isShell = (text: string): text is (typeof SHELLS)[number] =>
  (SHELLS as readonly string[]).includes(text);
