// The flags every daemon-facing command shares, apart from the SDK: the dispatcher reads them too, and
// must not load the client to do so.
import { DAEMON_FILE, STATE_DIR_HELP, TOKEN_FILE } from './defaults.js';
import { defineOptions } from './options.js';

export const clientOptions = defineOptions({
  url: {
    type: 'string',
    value: 'URL',
    help: `daemon WebSocket URL (env RUNYARD_URL; default: the url in <state-dir>/${DAEMON_FILE})`,
  },
  token: {
    type: 'string',
    value: 'TOKEN',
    help: `bearer token (env RUNYARD_TOKEN; default: the contents of <state-dir>/${TOKEN_FILE})`,
  },
  'state-dir': {
    type: 'string',
    value: 'DIR',
    help: `where the daemon wrote ${DAEMON_FILE} and ${TOKEN_FILE} (${STATE_DIR_HELP})`,
    completes: 'dir',
  },
  json: { type: 'boolean', help: 'print the result as JSON' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
});
