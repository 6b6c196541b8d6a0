// Pins the error catalogue: every registry code is documented in docs/errors.md and declared in
// openrpc.json, and neither names a code the registry does not have.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { errorClasses } from 'runyard/client';
import { errorRegistry } from '../../src/schema/errors.js';
import { runErrorReasons } from '../../src/schema/run-record.js';
import { readDoc, repoRoot } from './markdown.js';

interface OpenRpcError {
  code: number;
  message: string;
  data?: { reason?: string };
}
interface OpenRpcDocument {
  methods: { name: string; errors?: OpenRpcError[] }[];
}

/** Table rows of a markdown page as arrays of trimmed cells (header and separator rows included). */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.trimStart().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => cell.trim()),
    );
}

const registry = Object.entries(errorRegistry).map(([reason, spec]) => ({
  reason,
  ...spec,
  fields: Object.keys((spec.data as { properties?: object }).properties ?? {}),
}));

t.test(
  'docs/errors.md documents every registry code with its reason, message, data and SDK class',
  async (t) => {
    const rows = tableRows(await readDoc('docs/errors.md'));
    for (const spec of registry) {
      const row = rows.find((cells) => cells[0] === String(spec.code));
      if (!row) {
        t.fail(`${spec.code} ${spec.reason} is missing from docs/errors.md`);
        continue;
      }
      const text = row.join(' | ');
      t.ok(row[1]?.includes(`\`${spec.reason}\``), `${spec.code} is documented with reason ${spec.reason}`);
      t.ok(text.includes(`\`${spec.message}\``), `${spec.code} shows its message template "${spec.message}"`);
      for (const field of ['reason', ...spec.fields]) {
        t.ok(text.includes(`\`${field}\``), `${spec.code} lists the data field ${field}`);
      }
      const sdkClass = errorClasses[spec.code]?.name;
      t.ok(sdkClass && text.includes(`\`${sdkClass}\``), `${spec.code} names its SDK class ${sdkClass}`);
    }
  },
);

t.test('docs/errors.md documents no application code the registry lacks', async (t) => {
  const codes = new Set(registry.map((spec) => String(spec.code)));
  const documented = tableRows(await readDoc('docs/errors.md'))
    .map((cells) => cells[0]!)
    .filter((cell) => /^\d+$/.test(cell));
  t.same(
    documented.filter((code) => !codes.has(code)),
    [],
  );
});

t.test('docs/errors.md documents the JSON-RPC codes the daemon sends, with their data.reason', async (t) => {
  const rows = tableRows(await readDoc('docs/errors.md'));
  const row = (code: number) => rows.find((cells) => cells[0] === String(code))?.join(' | ') ?? '';
  for (const code of [-32700, -32600, -32601, -32602, -32603]) t.not(row(code), '', `${code} is documented`);
  t.match(row(-32600), /batch_too_large/);
  t.match(row(-32602), /invalid_params/);
  t.match(row(-32603), /correlationId/);
});

t.test(
  'every error openrpc.json declares is in the registry with the same code, reason and message',
  async (t) => {
    const document = JSON.parse(await readFile(join(repoRoot, 'openrpc.json'), 'utf8')) as OpenRpcDocument;
    const declared = document.methods.flatMap((method) =>
      (method.errors ?? []).map((error) => ({ method, error })),
    );
    t.ok(declared.length > 0, 'openrpc.json declares errors');
    for (const { method, error } of declared) {
      const spec = registry.find((entry) => entry.code === error.code);
      t.ok(spec, `${method.name} declares ${error.code}, which the registry has`);
      t.equal(error.data?.reason, spec?.reason, `${method.name}: ${error.code} has reason ${spec?.reason}`);
      t.equal(error.message, spec?.message, `${method.name}: ${error.code} has the registry's message`);
    }
  },
);

t.test('every registry code is declared by some method in openrpc.json', async (t) => {
  const document = JSON.parse(await readFile(join(repoRoot, 'openrpc.json'), 'utf8')) as OpenRpcDocument;
  const declared = new Set(
    document.methods.flatMap((method) => (method.errors ?? []).map((error) => error.code)),
  );
  t.same(
    registry.filter((spec) => !declared.has(spec.code)).map((spec) => `${spec.code} ${spec.reason}`),
    [],
    'no registry code is missing from openrpc.json',
  );
});

t.test(
  'every run outcome reason of the contract is in the reason table of docs/protocol.md and in docs/errors.md',
  async (t) => {
    const protocol = tableRows(await readDoc('docs/protocol.md'));
    const tabled = new Set(protocol.map((row) => row[0]?.replaceAll('`', '')));
    const errors = await readDoc('docs/errors.md');
    for (const reason of runErrorReasons) {
      t.ok(tabled.has(reason), `${reason} has a row in protocol.md#runstart`);
      t.ok(errors.includes(`\`${reason}\``), `${reason} is named in errors.md`);
    }
  },
);
