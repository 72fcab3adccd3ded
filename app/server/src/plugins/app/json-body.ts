import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest, HttpProblem } from '../../lib/problem.js';

// Routes without a body schema take no body: whatever a client sends there is read (within the limit) and ignored,
// as the original did; Python `requests` sessions with JSON default headers send an empty JSON body on DELETE.
const takesBody = (request: FastifyRequest) => request.routeOptions.schema?.body !== undefined;

/** Rejects keys that would reach an object's prototype if the body were ever merged into one. */
function assertNoPrototypeKeys(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__' || (key === 'constructor' && inner !== null && typeof inner === 'object')) {
      throw badRequest(`Field name '${key}' is not allowed: it names an object's prototype`);
    }
    assertNoPrototypeKeys(inner);
  }
}

/**
 * JSON bodies: parsed only where a route takes one; an empty body there is a 400 that says so, a prototype key a
 * 400 that names it (rather than "not valid JSON"), and any content type other than JSON a 415.
 */
export default fp(
  async (app) => {
    app.removeContentTypeParser(['application/json', 'text/plain']);

    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
      if (!takesBody(request)) return done(null, undefined);
      if (text === '') return done(badRequest('Request body is empty: send a JSON object of person fields'));
      let body: unknown;
      try {
        body = JSON.parse(text as string);
      } catch {
        return done(badRequest('Request body is not valid JSON'));
      }
      // Only a body that spells one of the names can hold it; most bodies skip the walk.
      if (/__proto__|constructor|\\u/.test(text as string)) {
        try {
          assertNoPrototypeKeys(body);
        } catch (error) {
          return done(error as Error);
        }
      }
      done(null, body);
    });

    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, _body, done) => {
      if (!takesBody(request)) return done(null, undefined);
      done(new HttpProblem(415, 'Unsupported Content-Type: send application/json'));
    });
  },
  { name: 'json-body' },
);
