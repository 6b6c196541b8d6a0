// The method descriptor: one declaration feeds validation, openrpc.json and the generated client.
import type { Static, TSchema } from '@sinclair/typebox';
import type { ErrorReason } from './errors.js';

/** Errors any method can answer, whatever it does: declared once here, listed under every method. */
export const ERRORS_OF_EVERY_METHOD = ['too_many_requests'] as const satisfies readonly ErrorReason[];

export interface MethodExample<P extends TSchema, R extends TSchema> {
  name: string;
  params: Static<P>;
  result: Static<R>;
}

export interface MethodDescriptor<P extends TSchema = TSchema, R extends TSchema = TSchema, N extends string = string> {
  name: N;
  summary: string;
  description?: string;
  params: P;
  result: R;
  errors: readonly ErrorReason[];
  examples: readonly MethodExample<P, R>[];
  /**
   * The params field holding how long the server may hold the call open (run.wait); the SDK adds
   * it to its per-call timeout so a long wait is not cut short by the client.
   */
  holdsFor?: string;
  /**
   * Whether the SDK may send the call again after a reconnect: `true` when repeating it is harmless,
   * or the name of a param that makes it so when present (run.start with an idempotencyKey).
   */
  retrySafe?: boolean | string;
}

/** A server-to-client notification: declared in openrpc.json as a method without a result. */
export interface NotificationDescriptor<P extends TSchema = TSchema, N extends string = string> {
  name: N;
  summary: string;
  description?: string;
  params: P;
  examples: readonly { name: string; params: Static<P> }[];
}

export function defineNotification<N extends string, P extends TSchema>(
  descriptor: NotificationDescriptor<P, N>,
): NotificationDescriptor<P, N> {
  return descriptor;
}

export function defineMethod<N extends string, P extends TSchema, R extends TSchema>(
  descriptor: MethodDescriptor<P, R, N>,
): MethodDescriptor<P, R, N> {
  return descriptor;
}
