// `runyard rpc METHOD [key=value ...]`: calls any method of the connected daemon, params typed from its
// contract, and prints the result as JSON.
import { clientOptions, withClient } from '../client-options.js';
import { defineOptions, optionLines } from '../options.js';
import { discoverContract, type MethodDescription } from '../contract-document.js';
import { checkParams, paramsFromPairs } from '../rpc-params.js';
import { commandMain } from '../command-main.js';
import { EXIT, UsageError } from '../usage.js';
import { printJson } from './run-format.js';
import { parseJsonObject, readSpecFile } from './spec-file.js';

// What the SDK adds to a call's own hold (run.wait's timeoutMs) before it gives up on an answer.
const ANSWER_MARGIN_MS = 30_000;

const OPTIONS = defineOptions({
  params: { type: 'string', value: 'JSON', help: 'all params as one JSON object; - reads it from stdin' },
  ...clientOptions,
});

export const declaration = {
  options: OPTIONS,
  positionals: [{ name: 'METHOD', completes: 'method' }],
} as const;

const HELP = `Usage: runyard rpc METHOD [key=value ...] [options]
       runyard rpc METHOD --params JSON|- [options]

Calls METHOD on the connected daemon and prints its result as JSON on stdout. Each key=value is one
param, typed from the method's params in the daemon's contract: a number param gets a number, a
boolean one true or false, an object one JSON; an array param takes its key once per item
(status=failed status=timed_out) or once with a JSON array (argv='["echo","hi"]'). Unknown keys,
missing required params and values of the wrong kind are refused before the call (exit 2).
\`runyard rpc describe METHOD\` shows the params of a method, \`runyard rpc list\` every method.

${optionLines(OPTIONS)}`;

export const rpcCall = commandMain(
  HELP,
  { allowPositionals: true, options: OPTIONS },
  async ({ values, positionals }) => {
    const [name, ...pairs] = positionals;
    if (name === undefined) throw new UsageError('missing METHOD');
    if (values.params !== undefined && pairs.length > 0) {
      throw new UsageError('give the params as --params or as key=value words, not both');
    }
    const given =
      values.params === undefined
        ? undefined
        : ((values.params === '-'
            ? await readSpecFile('-', '--params')
            : parseJsonObject('--params', values.params)) as Record<string, unknown>);
    return withClient(values, async (client) => {
      const contract = await discoverContract(client);
      const method = contract.method(name);
      const params = given ?? paramsFromPairs(contract, method, pairs);
      checkParams(contract, method, params);
      await printJson(await client.call(name, params, callOptions(method, params)));
      return EXIT.ok;
    });
  },
);

/** A call the daemon holds open (x-holds-for) gets that long plus the margin, also for methods the SDK does not know. */
function callOptions(method: MethodDescription, params: Record<string, unknown>) {
  const holdParam = method['x-holds-for'];
  if (holdParam === undefined) return {};
  const held = params[holdParam] ?? method.params.find((param) => param.name === holdParam)?.schema.default;
  return typeof held === 'number' ? { timeoutMs: held + ANSWER_MARGIN_MS } : {};
}
