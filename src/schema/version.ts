// The package version, read once from package.json through the package's own exports.
import { createRequire } from 'node:module';

export const version: string = (createRequire(import.meta.url)('runyard/package.json') as { version: string })
  .version;
