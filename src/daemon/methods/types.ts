// The handler table type: one handler per method in the contract, typed from its descriptor.
import type { Static } from '@sinclair/typebox';
import type { Resolved } from '../../schema/common.js';
import type { methods } from '../../schema/index.js';
import type { SubscriptionHub } from '../subscriptions.js';

/** What a handler knows about the call besides its params: the connection it came on. */
export interface CallContext {
  connectionId: string;
  subscriptions: SubscriptionHub;
  /** Aborted when the connection closes: a call that holds (run.wait) lets go instead of outliving it. */
  signal: AbortSignal;
  /** The connection is another node's, forwarding its clients' calls: they are answered here, never forwarded. */
  isForwarded: boolean;
}

type Method = (typeof methods)[number];

export type MethodHandlers = {
  [M in Method as M['name']]: (
    params: Resolved<M['params']>,
    context: CallContext,
  ) => Promise<Static<M['result']>>;
};

export type GroupHandlers<G extends string> = {
  [K in keyof MethodHandlers as K extends `${G}.${string}` ? K : never]: MethodHandlers[K];
};
