import { createHash, timingSafeEqual } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../../lib/problem.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook for routes that need an API key, so an unauthenticated caller learns nothing from parsing
     * or validation; lets everything through when no key is configured.
     */
    requireApiKey: onRequestHookHandler;
  }
}

export interface AuthPluginOptions {
  apiKeys: string[];
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the presented key's length.
const digest = (value: string) => createHash('sha256').update(value).digest();

export default fp<AuthPluginOptions>(
  async (app, { apiKeys }) => {
    const keys = apiKeys.map(digest);
    const challenge = { 'www-authenticate': 'Bearer realm="crm"' };

    // A callback hook: it runs on every /person request, and an async one costs a promise each time.
    const requireApiKey: onRequestHookHandler = (request, _reply, done) => {
      if (keys.length === 0) return done();
      const header = request.headers.authorization;
      const match = header ? /^Bearer ([\x21-\x7e]+)$/i.exec(header) : null;
      if (!match?.[1]) {
        return done(
          new HttpProblem(401, 'Authentication required: send Authorization: Bearer <API key>', challenge),
        );
      }
      const presented = digest(match[1]);
      if (!keys.some((key) => timingSafeEqual(key, presented))) {
        return done(new HttpProblem(401, 'Invalid API key', challenge));
      }
      done();
    };
    app.decorate('requireApiKey', requireApiKey);
  },
  { name: 'auth' },
);
