import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers on every response; the CSP lets Swagger UI at /docs load its own assets only. */
export default fp(
  async (app) => {
    await app.register(helmet, { global: true, enableCSPNonces: false });
  },
  { name: 'helmet' },
);
