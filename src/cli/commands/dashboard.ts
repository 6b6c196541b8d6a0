// `runyard dashboard`: a one-time login URL for the dashboard (daemon.dashboardLogin), printed and opened.
import { spawn } from 'node:child_process';
import type { DashboardLogin } from '../../client/index.js';
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { EXIT, parseFlags } from '../usage.js';
import { print, printJson } from './run-format.js';

const options = defineOptions({
  ...clientOptions,
  'no-open': { type: 'boolean', help: 'print the URL only, do not open a browser' },
});

export const declaration = { options, positionals: [] } as const;

const HELP = `Usage: runyard dashboard [options]

Prints a login URL for the dashboard the daemon serves, and opens it in the default browser (xdg-open,
or open on macOS) unless --no-open is given or no opener exists. The URL works once, within 60
seconds: the daemon swaps its code for a session cookie of 12 hours and sends the browser on to the
dashboard. Run it again for a new one. With --json: {"url", "expiresAt", "opened"}.

${optionLines(options)}`;

export async function dashboard(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { allowPositionals: false, options });
  if (values.help) {
    await print(HELP + '\n');
    return EXIT.ok;
  }
  return withClient(values, async (client) => {
    const login = await client.daemon.dashboardLogin();
    const opened = values['no-open'] ? false : await openInBrowser(login);
    if (values.json) await printJson({ ...login, opened });
    else
      await print(
        `${opened ? 'Opened' : 'Open'} this URL in a browser to log in to the dashboard ` +
          `(it works once, within 60 s):\n  ${login.url}\n`,
      );
    return EXIT.ok;
  });
}

const OPENER = process.platform === 'darwin' ? 'open' : 'xdg-open';

/** True once the opener started; no opener (a server, a container) is no failure: the URL is printed. */
function openInBrowser({ url }: DashboardLogin): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(OPENER, [url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      // The browser outlives this command: it is not waited for.
      child.unref();
      resolve(true);
    });
  });
}
