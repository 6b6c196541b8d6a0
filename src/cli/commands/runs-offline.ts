// What the offline `runyard runs` commands share: the runs directory, and params checked like the daemon's.
import { realpath } from 'node:fs/promises';
import type { TSchema } from '@sinclair/typebox';
import { RetainedIndex } from '../../retained/retained-index.js';
import { compileSchema, createAjv, describeViolations } from '../../schema/validator.js';
import { findProjectDir, RUNS_DIR_HELP, runsDirFrom } from '../defaults.js';
import { clientOptions } from '../client-options.js';
import { defineOptions } from '../options.js';
import { UsageError } from '../usage.js';

export const offlineOptions = defineOptions({
  'runs-dir': {
    type: 'string',
    value: 'DIR',
    help: `the runs directory (${RUNS_DIR_HELP})`,
    completes: 'dir',
  },
  json: { type: 'boolean', help: 'print the result exactly as the retained.* method answers it' },
  help: clientOptions.help,
});

/** An index of the runs directory, not yet scanned: one-run commands may not need a scan at all. */
export async function openRunsDir(flag: string | undefined): Promise<RetainedIndex> {
  const runsDir = runsDirFrom(flag, process.env, await findProjectDir());
  await realpath(runsDir).catch(() => {
    throw new UsageError(`runs directory ${runsDir} does not exist`);
  });
  return RetainedIndex.open(runsDir);
}

/**
 * Params as the daemon's transport would hand them to the method: checked against the method's
 * schema, with its defaults filled in, so the result is the one the daemon would give.
 */
/** `T`: the params type as the method's handler receives it (its schema's defaults filled in). */
export function methodParams<T>(schema: TSchema, params: Record<string, unknown>): T {
  const defined = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
  const validate = compileSchema(createAjv(), schema);
  if (!validate(defined)) {
    const problems = describeViolations(validate.errors ?? []).map((v) => `${v.path} ${v.message}`);
    throw new UsageError(`invalid options: ${problems.join('; ')}`);
  }
  return defined as T;
}
