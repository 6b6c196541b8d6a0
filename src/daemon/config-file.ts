// Loads `serve --config FILE`: validated against the published schema, then upserted into the store.
import { readFile } from 'node:fs/promises';
import { RunyardConfig } from '../schema/config.js';
import { RunyardError } from '../schema/errors.js';
import { compileSchema, createAjv, describeViolations } from '../schema/validator.js';
import type { Catalog } from '../services/catalog.js';

/** The config file is wrong: the message names the file, the JSON path and the rule. */
export class ConfigFileError extends Error {}

export async function applyConfigFile(
  path: string,
  catalog: Catalog,
): Promise<{ actions: number; services: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(
      `${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  const validate = compileSchema(createAjv(), RunyardConfig);
  if (!validate(config)) {
    const violations = describeViolations(validate.errors ?? [], 10);
    throw new ConfigFileError(`${path}: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`);
  }
  const { actions = [], services = [] } = config as RunyardConfig;
  for (const action of actions) await catalog.setAction(action, 'config');
  for (const [index, service] of services.entries()) {
    try {
      await catalog.setService(service, 'config');
    } catch (error) {
      if (!(error instanceof RunyardError) || error.reason !== 'action_not_found') throw error;
      const entry = service.actions.findIndex((item) => item.action === error.data.name);
      throw new ConfigFileError(
        `${path}: /services/${index}/actions/${entry}/action names action "${String(error.data.name)}", ` +
          'which neither this file nor the store declares',
      );
    }
  }
  return { actions: actions.length, services: services.length };
}
