#!/usr/bin/env node
// The runyard command: dispatches through the command table, and turns what a command ends with into the exit code.
import { runyard } from './command-table.js';
import { dispatch } from './dispatch.js';
import { EXIT } from './usage.js';

// A reader that goes away (`| head`) is not a crash: writes then fail with EPIPE, which ends us below.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const args = process.argv.slice(2);
dispatch(runyard, args)
  .then(
    (code) => code,
    async (error: unknown) =>
      (error as NodeJS.ErrnoException).code === 'EPIPE'
        ? EXIT.closedPipe
        : (await import('./report-error.js')).reportFailure(error, args),
  )
  .then(
    (code) => {
      process.exitCode = code;
    },
    // Only a failure to load the reporter itself gets here.
    (error: unknown) => {
      console.error(error);
      process.exitCode = EXIT.failed;
    },
  );
