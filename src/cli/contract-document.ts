// The contract as the connected daemon describes it (rpc.discover), so `runyard rpc` also reaches methods
// of a daemon newer than this CLI. Notifications are never callable, whether a daemon lists them in
// methods[] (marked x-notification, without a result) or apart from them (x-notifications).
import type { RunyardClient } from '../client/index.js';
import { makeResolver, type JsonSchema, type Resolved } from './schema-words.js';
import { UsageError } from './usage.js';

export interface ParamDescriptor {
  name: string;
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface MethodDescription {
  name: string;
  summary?: string;
  description?: string;
  params: ParamDescriptor[];
  result?: { name: string; schema: JsonSchema };
  errors?: { code: number; message: string; data?: { reason?: string } }[];
  examples?: { name?: string; params: { name: string; value: unknown }[] }[];
  /** The param that says how long the daemon may hold the call open (run.wait). */
  'x-holds-for'?: string;
  'x-notification'?: unknown;
}

interface OpenRpcDocument {
  methods: MethodDescription[];
  'x-notifications'?: MethodDescription[];
  components?: { schemas?: Record<string, JsonSchema> };
}

// OpenRPC leaves rpc.discover out of methods[]: every server answers it.
const DISCOVER: MethodDescription = {
  name: 'rpc.discover',
  summary: 'The OpenRPC document of this daemon: every method, its params, result and errors.',
  params: [],
  result: { name: 'result', schema: { type: 'object' } },
};

const isNotification = (method: MethodDescription) =>
  method['x-notification'] !== undefined || method.result === undefined;

export class Contract {
  readonly methods: readonly MethodDescription[];
  readonly resolve: (schema: JsonSchema) => Resolved;
  readonly #notifications: ReadonlySet<string>;

  constructor(document: OpenRpcDocument) {
    this.methods = [...document.methods.filter((method) => !isNotification(method)), DISCOVER];
    this.#notifications = new Set(
      [...document.methods.filter(isNotification), ...(document['x-notifications'] ?? [])].map(
        (method) => method.name,
      ),
    );
    this.resolve = makeResolver(document.components?.schemas);
  }

  /** The callable method `name`; a notification or an unknown name is a usage error. */
  method(name: string): MethodDescription {
    const method = this.methods.find((candidate) => candidate.name === name);
    if (method) return method;
    if (this.#notifications.has(name)) {
      throw new UsageError(`${name} is a notification the daemon sends to subscribers; it cannot be called`);
    }
    throw new UsageError(`unknown method "${name}"; \`runyard rpc list\` lists the methods of this daemon`);
  }
}

export async function discoverContract(client: RunyardClient): Promise<Contract> {
  return new Contract((await client.call('rpc.discover')) as OpenRpcDocument);
}
