import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every response. The CSP does not ask browsers to upgrade to HTTPS: the load balancer serves
 * plain HTTP unless TLS is added in front, and an upgrade would break /docs there. For the same reason HSTS is
 * sent only on requests that arrived over HTTPS — directly, or per an X-Forwarded-Proto from a trusted proxy
 * (TRUST_PROXY_HOPS) — since browsers ignore it over HTTP and a cached policy would lock them out of a plain-HTTP
 * deployment.
 */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      enableCSPNonces: false,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: false,
    });
    app.addHook('onRequest', async (request, reply) => {
      if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    });
  },
  { name: 'helmet' },
);
