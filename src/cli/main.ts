#!/usr/bin/env node
// The runyard command: dispatches through the command table, and turns what a command ends with into the exit code.
import { runyard } from './command-table.js';
import { dispatch } from './dispatch.js';
import { EXIT, UsageError } from './usage.js';

// A reader that goes away (`| head`) is not a crash: writes then fail with EPIPE, which ends us below.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

dispatch(runyard, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
      process.exitCode = EXIT.closedPipe;
    } else if (error instanceof UsageError) {
      console.error(`runyard: ${error.message}\nRun \`runyard --help\` for usage.`);
      process.exitCode = EXIT.usage;
    } else {
      console.error(`runyard: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = EXIT.failed;
    }
  },
);
