// `set --file SPEC.json` for actions and services: the whole spec as JSON, checked by the daemon's schema.
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { UsageError } from '../usage.js';

/** The JSON object in `path` (`-` reads stdin). Only its shape is checked here; the daemon validates the rest. */
export async function readSpecFile(path: string): Promise<object> {
  let source: string;
  try {
    source = path === '-' ? await text(process.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --file ${path}: ${(error as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(source);
  } catch (error) {
    throw new UsageError(`--file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new UsageError(`--file ${path} must hold one JSON object`);
  }
  return spec;
}
