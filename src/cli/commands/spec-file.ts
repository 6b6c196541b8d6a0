// JSON objects given on the command line: `set --file SPEC.json` for actions and services, `rpc --params`.
// Only their shape is checked here; the daemon validates the rest.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { UsageError } from '../usage.js';

/** The JSON object in `path` (`-` reads stdin), named by `flag` in usage errors. */
export async function readSpecFile(path: string, flag = '--file'): Promise<object> {
  let source: string;
  try {
    source = path === '-' ? await text(process.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
  return parseJsonObject(`${flag} ${path}`, source);
}

/** `source` as one JSON object; `what` names it in usage errors. */
export function parseJsonObject(what: string, source: string): object {
  let spec: unknown;
  try {
    spec = JSON.parse(source);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new UsageError(`${what} must hold one JSON object`);
  }
  return spec;
}
