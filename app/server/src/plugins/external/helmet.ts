import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/**
 * Security headers on every response; the CSP lets Swagger UI at /docs load its own assets only. It does not ask
 * browsers to upgrade to HTTPS: the load balancer serves plain HTTP unless TLS is added in front, and an upgrade
 * would break /docs there.
 */
export default fp(
  async (app) => {
    await app.register(helmet, {
      global: true,
      enableCSPNonces: false,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    });
  },
  { name: 'helmet' },
);
