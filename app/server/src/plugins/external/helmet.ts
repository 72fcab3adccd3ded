import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import fp from 'fastify-plugin';

// helmet itself, the copy @fastify/helmet depends on: that plugin builds helmet's middleware anew on every
// request (parsing the CSP directives each time), a tenth of the CPU a /health request costs. The headers are
// the same for every response, so helmet computes them once here and each response gets that set.
type Helmet = (options: object) => (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as Helmet;

function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  helmet({
    // The API answers JSON, which loads nothing and is never framed: the strictest policy, and a short one
    // (helmet's default is written for HTML pages and is five times as long, on every response). Swagger UI
    // at /docs sets its own policy on its responses (see the swagger plugin).
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    strictTransportSecurity: false,
  })({} as IncomingMessage, response, () => {});
  return headers;
}

export interface HelmetPluginOptions {
  /** Strict-Transport-Security max-age; null sends no HSTS. */
  hstsMaxAgeSeconds: number | null;
}

/**
 * Security headers on every response: helmet's set, with a CSP for JSON. No upgrade to HTTPS is asked for: the
 * load balancer serves plain HTTP unless TLS is added in front, and an upgrade would break /docs there. HSTS is
 * sent only when configured (HSTS_MAX_AGE, set by the deployment where the public endpoint is HTTPS): TLS ends at
 * the load balancer, so neither the connection nor X-Forwarded-Proto tells the service, and a policy cached over
 * plain HTTP would lock browsers out.
 */
export default fp<HelmetPluginOptions>(
  async (app, { hstsMaxAgeSeconds }) => {
    const headers = securityHeaders();
    if (hstsMaxAgeSeconds !== null) headers['strict-transport-security'] = `max-age=${hstsMaxAgeSeconds}`;
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'helmet' },
);
