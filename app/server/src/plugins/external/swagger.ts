import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { VERSION } from '../../lib/version.js';

/** OpenAPI 3 generated from the route schemas: JSON at /docs/json, Swagger UI at /docs. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'CRM REST API',
          version: VERSION,
          description: 'Contacts (persons) service of CloudOps CRM.',
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'One of the keys in API_KEYS, when set',
            },
          },
        },
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // Swagger UI adds a <style> element at run time, so styles may be inline (they cannot run code); scripts
      // stay 'self' only. No upgrade-insecure-requests (see the helmet plugin) and no call to the online
      // validator.
      staticCSP: [
        "default-src 'self'",
        "base-uri 'self'",
        "font-src 'self' data:",
        "frame-ancestors 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "script-src 'self'",
        "script-src-attr 'none'",
        "style-src 'self' 'unsafe-inline'",
      ].join('; '),
      uiConfig: { deepLinking: false, validatorUrl: null },
      uiHooks: { onRequest: app.documentSecurityHeaders },
    });
  },
  { name: 'swagger', dependencies: ['helmet'] },
);
