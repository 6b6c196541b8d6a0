// The strict check of openrpc.json: OpenRPC's meta-schema, plus the rules foreign generators trip over
// that the meta-schema lets through. Run by the generator before it writes, and by the tests.
import { createRequire } from 'node:module';

// Loaded untyped: the package's types pull in .ts sources that do not pass our compiler flags.
const { validateOpenRPCDocument } = createRequire(import.meta.url)('@open-rpc/schema-utils-js') as {
  validateOpenRPCDocument(document: unknown): true | Error;
};

interface Param {
  name: string;
  required?: boolean;
}
interface Method {
  name: string;
  paramStructure?: string;
  params: Param[];
  result?: unknown;
  examples?: { name: string; params: { name: string }[] }[];
}
interface Document {
  methods: Method[];
  'x-notifications'?: Method[];
}

/** Every problem found, as a sentence naming where; empty when the document passes. */
export function lintOpenRpcDocument(document: unknown): string[] {
  let validation: true | Error;
  try {
    validation = validateOpenRPCDocument(document);
  } catch (thrown) {
    validation = thrown instanceof Error ? thrown : new Error(String(thrown));
  }
  if (validation !== true) return [`not a valid OpenRPC document: ${validation.message}`];
  const { methods, 'x-notifications': notifications = [] } = document as Document;
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [kind, entries] of [
    ['method', methods],
    ['notification', notifications],
  ] as const) {
    for (const entry of entries) {
      if (names.has(entry.name)) problems.push(`${entry.name} is declared twice`);
      names.add(entry.name);
      problems.push(...paramProblems(entry));
      if (kind === 'method' && entry.result === undefined)
        problems.push(`${entry.name} has no result: a notification belongs in x-notifications, not methods`);
      if (kind === 'method' && entry.name.startsWith('rpc.'))
        problems.push(`${entry.name}: rpc.* names are reserved and not listed among the methods`);
      if (kind === 'notification' && entry.result !== undefined)
        problems.push(`notification ${entry.name} has a result`);
    }
  }
  return [...problems, ...danglingRefs(document)];
}

function paramProblems(method: Method): string[] {
  const problems: string[] = [];
  if (method.paramStructure !== 'by-name') problems.push(`${method.name} does not take its params by name`);
  const declared = method.params.map((param) => param.name);
  const duplicates = declared.filter((name, index) => declared.indexOf(name) !== index);
  if (duplicates.length > 0) problems.push(`${method.name} declares params ${duplicates.join(', ')} twice`);
  const firstOptional = method.params.findIndex((param) => param.required !== true);
  const lateRequired = method.params.slice(firstOptional < 0 ? method.params.length : firstOptional);
  for (const param of lateRequired.filter((param) => param.required === true))
    problems.push(`${method.name}: required param ${param.name} follows an optional one`);
  for (const example of method.examples ?? []) {
    const unknown = example.params.filter((param) => !declared.includes(param.name));
    for (const param of unknown)
      problems.push(`${method.name} example "${example.name}" names an undeclared param ${param.name}`);
  }
  return problems;
}

/** Every local $ref that points at nothing; remote ones are refused, as the daemon serves one file. */
function danglingRefs(document: unknown): string[] {
  const problems: string[] = [];
  const resolve = (ref: string): unknown =>
    ref
      .slice(2)
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>(
        (node, part) =>
          node !== null && typeof node === 'object' && Object.hasOwn(node, part)
            ? (node as Record<string, unknown>)[part]
            : undefined,
        document,
      );
  const walk = (node: unknown, at: string): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key !== '$ref') walk(value, `${at}/${key}`);
      else if (typeof value !== 'string' || !value.startsWith('#/') || resolve(value) === undefined)
        problems.push(`${at}: $ref ${String(value)} resolves to nothing in the document`);
    }
  };
  walk(document, '#');
  return problems;
}
