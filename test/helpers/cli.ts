// Runs the built CLI as a child process, as a user's shell would, and collects what it wrote.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliCommand } from './daemon.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the environment, which otherwise holds no RUNYARD_ variable. */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** An installed `runyard` executable to run instead of this checkout's build. */
  bin?: string;
}

// The CLI must find the daemon only through what each test passes, never through the caller's shell.
export const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('RUNYARD_')),
);

/** `runyard ...args`: resolves with the exit code and both outputs once the process has exited. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const [command, ...cli] = cliCommand(options.bin);
  const child = spawn(command, [...cli, ...args], {
    env: { ...cleanEnv, ...options.env },
    cwd: options.cwd,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  if (options.input !== undefined) child.stdin!.end(options.input);
  // 'close' rather than 'exit': everything the process wrote has been read by then.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, ...output };
}
