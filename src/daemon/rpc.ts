// JSON-RPC 2.0 framing: parsing, batches, params validation, requests in flight and error mapping.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import { RunyardError } from '../schema/errors.js';
import type { MethodDescriptor } from '../schema/method.js';
import { InFlightLimit } from './in-flight.js';
import {
  errorResponse,
  JsonRpcErrorCode,
  successResponse,
  type JsonRpcId,
  type JsonRpcResponse,
} from './jsonrpc-messages.js';
import { compileOnFirstUse, describeViolations, type SchemaViolation } from '../schema/validator.js';

export type Handler<Context> = (params: never, context: Context) => Promise<unknown>;

export interface RpcLimits {
  maxBatchSize: number;
  /** Requests one connection may have unanswered; read at every request, as a reload may change it. */
  maxInFlight: number;
}

class InvalidParamsError extends Error {
  constructor(readonly violations: SchemaViolation[]) {
    super(`Invalid params: ${violations.map((v) => `${v.path} ${v.message}`).join('; ')}`);
  }
}

const isId = (id: unknown): id is JsonRpcId =>
  typeof id === 'string' || typeof id === 'number' || id === null;
// JSON.parse reads 9007199254740993 as ...992: an id past 2^53 (or a fraction, or 1e999) would come back
// changed and match no pending call, so it is refused rather than echoed wrong.
const isExactId = (id: JsonRpcId) => typeof id !== 'number' || Number.isSafeInteger(id);
// By-position params are not supported, but `[]` says "no params" (@open-rpc/client-js sends it).
const POSITIONAL: SchemaViolation = { path: '/', message: 'must be an object: params are passed by name' };
const applicationError = (id: JsonRpcId, thrown: RunyardError) =>
  errorResponse(id, thrown.code, thrown.message, { reason: thrown.reason, ...thrown.data });

/** A method as the dispatcher calls it: params checked against its schema, then its handler. */
type Call<Context> = (params: unknown, context: Context) => Promise<unknown>;

export class RpcDispatcher<Context extends object> {
  readonly #methods = new Map<string, Call<Context>>();
  readonly #limits: RpcLimits;
  /** Keyed by the call context, which is one per connection. */
  readonly #inFlight: InFlightLimit<Context>;
  readonly #log: Logger;

  constructor(
    descriptors: readonly MethodDescriptor[],
    handlers: Record<string, Handler<Context>>,
    limits: RpcLimits,
    log: Logger,
  ) {
    this.#limits = limits;
    this.#inFlight = new InFlightLimit(() => limits.maxInFlight);
    this.#log = log;
    for (const descriptor of descriptors) {
      const validator = compileOnFirstUse(descriptor.params);
      const handler = handlers[descriptor.name];
      if (!handler) throw new Error(`no handler for ${descriptor.name}`);
      this.#methods.set(descriptor.name, (params, context) => {
        if (Array.isArray(params) && params.length > 0) throw new InvalidParamsError([POSITIONAL]);
        const named = params === undefined || Array.isArray(params) ? {} : params;
        const validate = validator();
        if (!validate(named)) throw new InvalidParamsError(describeViolations(validate.errors ?? []));
        return handler(named as never, context);
      });
    }
  }

  /** Answers one WebSocket message; undefined when nothing is to be sent (notifications only). */
  async handle(text: string, context: Context): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return errorResponse(null, JsonRpcErrorCode.ParseError, 'Parse error: the message is not valid JSON');
    }
    if (!Array.isArray(message)) return this.#handleOne(message, context);
    if (message.length === 0)
      return errorResponse(null, JsonRpcErrorCode.InvalidRequest, 'Invalid Request: empty batch');
    if (message.length > this.#limits.maxBatchSize) {
      return errorResponse(
        null,
        JsonRpcErrorCode.InvalidRequest,
        `Invalid Request: a batch of ${message.length} requests exceeds the limit of ${this.#limits.maxBatchSize}`,
        { reason: 'batch_too_large', limit: this.#limits.maxBatchSize },
      );
    }
    const answers = await Promise.all(message.map((item) => this.#handleOne(item, context)));
    const sent = answers.filter((answer): answer is JsonRpcResponse => answer !== undefined);
    return sent.length > 0 ? sent : undefined;
  }

  async #handleOne(message: unknown, context: Context): Promise<JsonRpcResponse | undefined> {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      return errorResponse(
        null,
        JsonRpcErrorCode.InvalidRequest,
        'Invalid Request: expected a request object',
      );
    }
    const request = message as Record<string, unknown>;
    const hasId = Object.hasOwn(request, 'id');
    if (hasId && !isId(request.id)) {
      return errorResponse(
        null,
        JsonRpcErrorCode.InvalidRequest,
        'Invalid Request: id must be a string, number or null',
      );
    }
    const id = hasId ? (request.id as JsonRpcId) : null;
    if (!isExactId(id)) {
      return errorResponse(
        null,
        JsonRpcErrorCode.InvalidRequest,
        'Invalid Request: a numeric id must be an integer from -9007199254740991 to 9007199254740991, or it does not come back exactly; use a string id',
        { reason: 'unsafe_id' },
      );
    }
    if (request.jsonrpc !== '2.0')
      return errorResponse(id, JsonRpcErrorCode.InvalidRequest, 'Invalid Request: jsonrpc must be "2.0"');
    if (typeof request.method !== 'string') {
      return errorResponse(id, JsonRpcErrorCode.InvalidRequest, 'Invalid Request: method must be a string');
    }
    if (request.params !== undefined && (request.params === null || typeof request.params !== 'object')) {
      return errorResponse(id, JsonRpcErrorCode.InvalidRequest, 'Invalid Request: params must be an object');
    }
    const call = this.#methods.get(request.method);
    if (!call) {
      return hasId
        ? errorResponse(id, JsonRpcErrorCode.MethodNotFound, `Method not found: ${request.method}`)
        : undefined;
    }
    // Refused before it holds anything: the answer is sent at once and the connection stays open.
    if (!this.#inFlight.tryEnter(context)) {
      const refusal = new RunyardError('too_many_requests', { limit: this.#inFlight.limit });
      return hasId ? applicationError(id, refusal) : undefined;
    }
    // Called here, in this one async frame: through json-rpc-2.0's server (generator-based frames, a
    // promise chain per call) a held call such as a pending run.wait took 2.6 kB more of heap (4.8 kB, now 2.2).
    try {
      const result = await call(request.params, context);
      return hasId ? successResponse(id, result) : undefined;
    } catch (thrown) {
      const answer = this.#failure(id, request.method, thrown);
      return hasId ? answer : undefined;
    } finally {
      this.#inFlight.leave(context);
    }
  }

  /** An unexpected exception is logged with a correlation id; the client gets only the id. */
  #failure(id: JsonRpcId, method: string, thrown: unknown): JsonRpcResponse {
    if (thrown instanceof RunyardError) return applicationError(id, thrown);
    if (thrown instanceof InvalidParamsError) {
      return errorResponse(id, JsonRpcErrorCode.InvalidParams, thrown.message, {
        reason: 'invalid_params',
        errors: thrown.violations,
      });
    }
    const correlationId = randomUUID();
    this.#log.error('method failed', { method, correlationId, error: thrown });
    return errorResponse(id, JsonRpcErrorCode.InternalError, 'Internal error', { correlationId });
  }
}
