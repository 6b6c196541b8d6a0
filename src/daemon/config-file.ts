// Reads the config file (`--config FILE`, RUNYARD_CONFIG): JSON checked against the published schema and
// for what a schema cannot say (origins that can never match, a name declared twice). Nothing is applied here.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RunyardConfig } from '../schema/config.js';
import { RunyardError } from '../schema/errors.js';
import { compileSchema, describeViolations, sharedAjv } from '../schema/validator.js';
import { allowOriginProblem } from './allow-origin.js';

/** The file as read: its absolute path and its content, valid. */
export interface ConfigFile {
  path: string;
  config: RunyardConfig;
}

/** The most schema violations one message lists; the first ones are what to fix first. */
const MAX_PROBLEMS = 10;

let validate: ReturnType<typeof compileSchema> | undefined;

/** Reads and checks the file; a problem of any kind is a `config_invalid` naming the file. */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  const path = resolve(file);
  const invalid = (...problems: string[]) => new RunyardError('config_invalid', { file, problems });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalid(`cannot read the config file (${(error as NodeJS.ErrnoException).code})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw invalid(`not valid JSON: ${(error as Error).message}`);
  }
  validate ??= compileSchema(sharedAjv(), RunyardConfig);
  if (!validate(config)) {
    const violations = describeViolations(validate.errors ?? [], MAX_PROBLEMS);
    throw invalid(...violations.map((v) => `${v.path} ${v.message}`));
  }
  const problems = meaningProblems(config as RunyardConfig);
  if (problems.length > 0) throw invalid(...problems);
  return { path, config: config as RunyardConfig };
}

function meaningProblems({ daemon = {}, actions = [], services = [] }: RunyardConfig): string[] {
  const problems: string[] = [];
  for (const [index, origin] of (daemon.allowOrigins ?? []).entries()) {
    const problem = allowOriginProblem(origin);
    if (problem) problems.push(`/daemon/allowOrigins/${index} ${problem}`);
  }
  const port = Number(daemon.listen?.split(':').pop());
  if (port > 65_535) problems.push(`/daemon/listen port ${port} is above 65535`);
  problems.push(...twice('actions', actions), ...twice('services', services));
  return problems;
}

/** A name declared twice would make the file's meaning depend on the order of its entries. */
function twice(kind: string, entries: readonly { name: string }[]): string[] {
  const first = new Map<string, number>();
  return entries.flatMap(({ name }, index) => {
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, index);
    return earlier === undefined
      ? []
      : [`/${kind}/${index}/name "${name}" is declared already at /${kind}/${earlier}`];
  });
}
