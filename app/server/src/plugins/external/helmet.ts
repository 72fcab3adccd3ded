import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import fp from 'fastify-plugin';

const HSTS = 'max-age=31536000; includeSubDomains';

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
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
  })({} as IncomingMessage, response, () => {});
  return headers;
}

/**
 * Security headers on every response. The CSP does not ask browsers to upgrade to HTTPS: the load balancer serves
 * plain HTTP unless TLS is added in front, and an upgrade would break /docs there. For the same reason HSTS is
 * sent only on requests that arrived over HTTPS — directly, or per an X-Forwarded-Proto from a trusted proxy
 * (TRUST_PROXY_HOPS) — since browsers ignore it over HTTP and a cached policy would lock them out of a plain-HTTP
 * deployment.
 */
export default fp(
  async (app) => {
    const headers = securityHeaders();
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(headers);
      if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
      done();
    });
  },
  { name: 'helmet' },
);
