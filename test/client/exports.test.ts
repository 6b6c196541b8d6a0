// Pins the SDK's public face: every contract type and error class the generator writes is exported by
// name from runyard/client, and none of the generator's plumbing is.
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const clientDir = fileURLToPath(new URL('../../src/client/', import.meta.url));
const program = ts.createProgram([`${clientDir}index.ts`], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
});
const checker = program.getTypeChecker();

/** The names a module exports, each with the kind of declaration behind it. */
function exportsOf(file: string): Map<string, ts.SyntaxKind> {
  const source = program.getSourceFile(`${clientDir}${file}`);
  if (!source) throw new Error(`${file} is not part of the client program`);
  const module = checker.getSymbolAtLocation(source)!;
  return new Map(
    checker.getExportsOfModule(module).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return [symbol.name, target.declarations![0]!.kind];
    }),
  );
}

const generated = exportsOf('generated.ts');
const sdk = new Set(exportsOf('index.ts').keys());

// What SDK users see: the contract's types and method interfaces, one class per error code and the
// code → class map, and the lists of statuses. The rest (the call binding, retry and hold tables, transport constants) is how
// connect() works, not something to build on.
const isPublic = (name: string, kind: ts.SyntaxKind) =>
  ['errorClasses', 'runStatuses', 'retainedStatuses'].includes(name) ||
  kind === ts.SyntaxKind.ClassDeclaration ||
  ((kind === ts.SyntaxKind.TypeAliasDeclaration || kind === ts.SyntaxKind.InterfaceDeclaration) &&
    name !== 'Call');

t.test('runyard/client exports every contract type and error class by name', async (t) => {
  const missing = [...generated].filter(([name, kind]) => isPublic(name, kind) && !sdk.has(name));
  t.same(
    missing.map(([name]) => name),
    [],
    'add these to the export lists of src/client/index.ts',
  );
});

t.test('runyard/client exports none of the generated plumbing', async (t) => {
  const plumbing = [...generated].filter(([name, kind]) => !isPublic(name, kind) && sdk.has(name));
  t.same(
    plumbing.map(([name]) => name),
    [],
  );
});

t.test(
  'runyard/client exports connect, its options, the client errors and nothing else of its own',
  async (t) => {
    const own = [...sdk].filter((name) => !generated.has(name)).sort();
    t.same(
      own,
      [
        'ConnectError',
        'ConnectFailure',
        'ConnectOptions',
        'ConnectionClosedError',
        'ReconnectOptions',
        'FollowOptions',
        'FollowedEvent',
        'FollowedOutputEvent',
        'RequestTimeoutError',
        'RpcError',
        'RunyardClient',
        'connect',
      ].sort(),
    );
  },
);

t.test('the browser entry exports exactly what the Node entry does', async (t) => {
  t.same([...exportsOf('browser.ts').keys()].sort(), [...sdk].sort());
});
