// The installed package's own directory, found by its name (package.json `exports` lists it): the same
// answer from a module as tsc emitted it under dist/src/ and from the bundled command in dist/cli/, which
// sit at different depths, so files the package ships are never looked up relative to a module.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const packageRoot: string = dirname(createRequire(import.meta.url).resolve('runyard/package.json'));

/** A file or directory the package ships, by its path from the package's root. */
export const packageFile = (path: string): string => join(packageRoot, path);
