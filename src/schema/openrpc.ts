// Builds the OpenRPC document from the method descriptors and the error registry.
import { errorRegistry } from './errors.js';
import { methods, notifications } from './index.js';
import { referencedSchema, type JsonSchema } from './json-schema.js';
import { ERRORS_OF_EVERY_METHOD, type MethodDescriptor, type NotificationDescriptor } from './method.js';
import { DEFAULT_LISTEN, RPC_PATH } from './transport.js';
import { version } from './version.js';

/** The URL a document names when no daemon is listening yet (the committed openrpc.json). */
export const DEFAULT_URL = `ws://${DEFAULT_LISTEN}${RPC_PATH}`;

/** `url`: where the serving daemon listens, so a tool reading rpc.discover connects back to it. */
export function buildOpenRpcDocument(url = DEFAULT_URL): JsonSchema {
  const schemas: Record<string, JsonSchema> = {};
  const describeParams = (schema: MethodDescriptor['params']) => {
    // OpenRPC lists params member by member: a named params object (RunStartParams) must not collapse
    // into one $ref, which would leave the method with no params at all.
    const members = { ...schema, $id: undefined } as MethodDescriptor['params'];
    const params = referencedSchema(members, schemas) as { properties?: Record<string, JsonSchema>; required?: string[] };
    const required = new Set(params.required ?? []);
    const described = Object.entries(params.properties ?? {}).map(([name, property]) => ({
      name,
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
      required: required.has(name),
      schema: property,
    }));
    // OpenRPC 1.3 forbids a required param after an optional one (by-position clients could not skip
    // it); by name the order means nothing, so required ones simply go first.
    return [...described.filter((param) => param.required), ...described.filter((param) => !param.required)];
  };
  // Example params in the order of the method's params, as tools pair them by position.
  const namedValues = (values: object, params: readonly { name: string }[]) => {
    const order = params.map((param) => param.name);
    return Object.entries(values)
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  };

  const describeMethod = (method: MethodDescriptor, params = describeParams(method.params)) => ({
    name: method.name,
    summary: method.summary,
    ...(method.description ? { description: method.description } : {}),
    paramStructure: 'by-name',
    params,
    result: { name: 'result', schema: referencedSchema(method.result, schemas) },
    errors: [...method.errors, ...ERRORS_OF_EVERY_METHOD].map((reason) => ({
      code: errorRegistry[reason].code,
      message: errorRegistry[reason].message,
      data: { reason },
    })),
    examples: method.examples.map((example) => ({
      name: example.name,
      params: namedValues(example.params as object, params),
      result: { name: 'result', value: example.result },
    })),
    ...(method.holdsFor ? { 'x-holds-for': method.holdsFor } : {}),
    ...(method.retrySafe !== undefined ? { 'x-retry-safe': method.retrySafe } : {}),
  });
  // OpenRPC has no notification object, and a method without a result in methods[] becomes a callable
  // client method in every generator; so notifications, shaped like methods, live in x-notifications.
  const describeNotification = (
    notification: NotificationDescriptor,
    params = describeParams(notification.params),
  ) => ({
    name: notification.name,
    summary: notification.summary,
    ...(notification.description ? { description: notification.description } : {}),
    paramStructure: 'by-name',
    params,
    examples: notification.examples.map((example) => ({
      name: example.name,
      params: namedValues(example.params as object, params),
    })),
  });

  return {
    openrpc: '1.3.2',
    info: {
      title: 'runyard',
      version,
      description: 'Local run daemon: queue commands, run each in its own run directory, serve the results.',
    },
    servers: [{ name: 'local daemon', url }],
    methods: methods.map((method) => describeMethod(method as unknown as MethodDescriptor)),
    'x-notifications': notifications.map((notification) =>
      describeNotification(notification as unknown as NotificationDescriptor),
    ),
    components: { schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) },
  };
}
