// Builds the OpenRPC document from the method descriptors and the error registry.
import { errorRegistry } from './errors.js';
import { methods, notifications } from './index.js';
import { referencedSchema, type JsonSchema } from './json-schema.js';
import type { MethodDescriptor, NotificationDescriptor } from './method.js';
import { DEFAULT_LISTEN, RPC_PATH } from './transport.js';
import { version } from './version.js';

export function buildOpenRpcDocument(): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  const describeParams = (schema: MethodDescriptor['params']) => {
    // OpenRPC lists params member by member: a named params object (RunStartParams) must not collapse
    // into one $ref, which would leave the method with no params at all.
    const members = { ...schema, $id: undefined } as MethodDescriptor['params'];
    const params = referencedSchema(members, schemas) as { properties?: Record<string, JsonSchema>; required?: string[] };
    const required = new Set(params.required ?? []);
    return Object.entries(params.properties ?? {}).map(([name, property]) => ({
      name,
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
      required: required.has(name),
      schema: property,
    }));
  };
  const namedValues = (values: object) => Object.entries(values).map(([name, value]) => ({ name, value }));

  const describeMethod = (method: MethodDescriptor) => ({
    name: method.name,
    summary: method.summary,
    ...(method.description ? { description: method.description } : {}),
    paramStructure: 'by-name',
    params: describeParams(method.params),
    result: { name: 'result', schema: referencedSchema(method.result, schemas) },
    errors: method.errors.map((reason) => ({
      code: errorRegistry[reason].code,
      message: errorRegistry[reason].message,
      data: { reason },
    })),
    examples: method.examples.map((example) => ({
      name: example.name,
      params: namedValues(example.params as object),
      result: { name: 'result', value: example.result },
    })),
    ...(method.holdsFor ? { 'x-holds-for': method.holdsFor } : {}),
    ...(method.retrySafe !== undefined ? { 'x-retry-safe': method.retrySafe } : {}),
  });
  // OpenRPC has no notification object: a method without a result is its way to declare one.
  const describeNotification = (notification: NotificationDescriptor) => ({
    name: notification.name,
    summary: notification.summary,
    ...(notification.description ? { description: notification.description } : {}),
    paramStructure: 'by-name',
    params: describeParams(notification.params),
    examples: notification.examples.map((example) => ({ name: example.name, params: namedValues(example.params as object) })),
    'x-notification': { direction: 'server-to-client' },
  });

  return {
    openrpc: '1.3.2',
    info: {
      title: 'runyard',
      version,
      description: 'Local run daemon: queue commands, run each in its own run directory, serve the results.',
    },
    servers: [{ name: 'local daemon', url: `ws://${DEFAULT_LISTEN}${RPC_PATH}` }],
    methods: [
      ...methods.map((method) => describeMethod(method as unknown as MethodDescriptor)),
      ...notifications.map((notification) => describeNotification(notification as unknown as NotificationDescriptor)),
    ],
    components: { schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) },
  };
}
