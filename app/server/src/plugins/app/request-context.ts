import { randomUUID } from 'node:crypto';
import type { RawRequestDefaultExpression } from 'fastify';
import fp from 'fastify-plugin';

export const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's genReqId: the caller's X-Correlation-ID when it is well-formed, otherwise a new UUID. Fastify binds
 * request.id to every log line of the request (as http.request.id, see AccessLog).
 */
export function correlationId(raw: RawRequestDefaultExpression): string {
  const header = raw.headers[CORRELATION_HEADER];
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : randomUUID();
}

/** Echoes the correlation id on every response, errors included. */
export default fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.header(CORRELATION_HEADER, request.id);
      done();
    });
  },
  { name: 'request-context' },
);
