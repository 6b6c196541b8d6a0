// The JSON-RPC 2.0 answers the daemon sends, and the error codes the specification reserves. Ours rather than
// json-rpc-2.0's: the daemon used two constructors and an enum of that package, which is CommonJS, so the bin
// carried the whole of it (39 kB: its server, its client and their machinery) into every idle daemon.

export type JsonRpcId = string | number | null;

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  { jsonrpc: '2.0'; id: JsonRpcId; result: unknown } | { jsonrpc: '2.0'; id: JsonRpcId; error: JsonRpcError };

export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

/** An answer carries a result or an error, so a handler's undefined is sent as null. */
export const successResponse = (id: JsonRpcId, result: unknown): JsonRpcResponse => ({
  jsonrpc: '2.0',
  id,
  result: result ?? null,
});

export const errorResponse = (
  id: JsonRpcId,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined || data === null ? { code, message } : { code, message, data },
});
