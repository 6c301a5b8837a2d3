import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { problem } from './problem.js';
import { outsideHookHeaders } from './plugins/security-headers.js';

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (a request not received
 * within REQUEST_TIMEOUT_MS, over-long headers, unparsable HTTP) in the API's one error shape and with
 * its security headers, instead of Fastify's default JSON. There is no request, hence no request id.
 */
export function handleClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, detail] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received completely within REQUEST_TIMEOUT_MS']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'the request headers are too large']
          : [400, 'the request is not valid HTTP'];
    this.log.debug({ err: { code: error.code } }, 'client error');
    if (socket.writable) {
      const body = JSON.stringify(problem(status, detail));
      const headers = {
        ...outsideHookHeaders(),
        'content-type': 'application/problem+json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        connection: 'close',
      };
      const lines = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines}\r\n${body}`);
    }
    socket.destroy(error);
  }
}
