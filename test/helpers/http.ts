// Plain HTTP requests to a daemon with any headers (fetch would not let a test set Host or Cookie).
import { request } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The daemon's HTTP base (`http://127.0.0.1:PORT`) from its WebSocket url. */
export const httpBase = (wsUrl: string) => wsUrl.replace(/^ws:/, 'http:').replace(/\/rpc$/, '');

export function httpRequest(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}
