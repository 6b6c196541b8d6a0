// Builds the OpenRPC document from the method descriptors and the error registry.
import { errorRegistry } from './errors.js';
import { methods } from './index.js';
import { referencedSchema, type JsonSchema } from './json-schema.js';
import type { MethodDescriptor } from './method.js';
import { DEFAULT_LISTEN, RPC_PATH } from './transport.js';
import { version } from './version.js';


export function buildOpenRpcDocument(): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  const describe = (method: MethodDescriptor) => {
    const params = referencedSchema(method.params, schemas) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    const required = new Set(params.required ?? []);
    const result = referencedSchema(method.result, schemas);
    return {
      name: method.name,
      summary: method.summary,
      ...(method.description ? { description: method.description } : {}),
      paramStructure: 'by-name',
      params: Object.entries(params.properties ?? {}).map(([name, schema]) => ({
        name,
        ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
        required: required.has(name),
        schema,
      })),
      result: { name: 'result', schema: result },
      errors: method.errors.map((reason) => ({
        code: errorRegistry[reason].code,
        message: errorRegistry[reason].message,
        data: { reason },
      })),
      examples: method.examples.map((example) => ({
        name: example.name,
        params: Object.entries(example.params as object).map(([name, value]) => ({ name, value })),
        result: { name: 'result', value: example.result },
      })),
      ...(method.holdsFor ? { 'x-holds-for': method.holdsFor } : {}),
    };
  };
  const described = methods.map((method) => describe(method as unknown as MethodDescriptor));
  return {
    openrpc: '1.3.2',
    info: {
      title: 'runyard',
      version,
      description: 'Local run daemon: queue commands, run each in its own run directory, serve the results.',
    },
    servers: [{ name: 'local daemon', url: `ws://${DEFAULT_LISTEN}${RPC_PATH}` }],
    methods: described,
    components: { schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) },
  };
}
