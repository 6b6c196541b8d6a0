// rpc.discover: answered by the daemon, but by OpenRPC's rule not listed among the document's methods.
import * as Type from '@sinclair/typebox';
import { NoParams } from './common.js';
import { defineMethod } from './method.js';

export const rpcDiscover = defineMethod({
  name: 'rpc.discover',
  summary: 'The OpenRPC document this daemon serves.',
  params: NoParams,
  result: Type.Unknown(),
  errors: [],
  examples: [],
});
