import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT } from '../schemas/person.js';

/**
 * The contract version clients of the original service read here: this service keeps that contract (the build's
 * own version is `service.version` in logs and `crm_app_info`).
 */
export const API_VERSION = '2.0.0';

/**
 * Every route the service answers, keyed as the original's index keyed them ("METHOD path", with its
 * `<custom_id>` and `<mongodb_id>`), its own eight first. A test keeps it in step with the router.
 */
export const ENDPOINTS = {
  'GET /health': 'Health check (liveness: never touches the database)',
  'GET /metrics': 'Prometheus metrics',
  'GET /person': `Get all persons: at most ${LIST_DEFAULT_LIMIT} per response (?limit=1-${LIST_MAX_LIMIT}); a Link header (rel="next", ?after=<cursor>) gives the next page`,
  'GET /person?id=<mongodb_id>': 'Get person by MongoDB ObjectId',
  'GET /person/<custom_id>': 'Get person by custom ID',
  'POST /person/<custom_id>': 'Add person with custom ID',
  'PUT /person/<custom_id>': 'Update person by custom ID',
  'DELETE /person/<custom_id>': 'Delete person by custom ID',
  'GET /': 'API information and this list of endpoints',
  'GET /ready': 'Readiness: MongoDB answers a ping',
  'GET /docs': 'Swagger UI',
  'GET /docs/json': 'OpenAPI 3 document',
} as const;

const rootRoute: FastifyPluginAsync = async (app) => {
  app.get(
    '/',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Service information and the list of endpoints',
        tags: ['service'],
        response: {
          200: Type.Object({
            service: Type.String(),
            version: Type.String(),
            endpoints: Type.Record(Type.String(), Type.String()),
          }),
        },
      },
    },
    async () => ({ service: 'CRM REST API', version: API_VERSION, endpoints: ENDPOINTS }),
  );
};

export default rootRoute;
