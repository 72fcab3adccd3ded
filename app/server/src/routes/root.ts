import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../lib/version.js';

/** Every route the service answers, as the original's index listed them. A test keeps it in step with the router. */
export const ENDPOINTS = {
  info: 'GET /',
  health: 'GET /health',
  ready: 'GET /ready',
  metrics: 'GET /metrics',
  docs: 'GET /docs',
  openapi: 'GET /docs/json',
  list_persons: 'GET /person?limit=<1-1000>&after=<cursor>',
  get_person_by_object_id: 'GET /person?id=<ObjectId>',
  get_person: 'GET /person/<person_id>',
  create_person: 'POST /person/<person_id>',
  update_person: 'PUT /person/<person_id>',
  delete_person: 'DELETE /person/<person_id>',
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
    async () => ({ service: 'CRM REST API', version: VERSION, endpoints: ENDPOINTS }),
  );
};

export default rootRoute;
