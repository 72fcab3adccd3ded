import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { HttpProblem } from '../lib/problem.js';
import { DB_UNAVAILABLE } from '../plugins/app/errors.js';
import { problemResponses } from '../schemas/problem.js';

const probeConfig = { rateLimit: false } as const;

const probes: FastifyPluginAsync = async (app) => {
  // Liveness answers from the process alone: a MongoDB outage must not make Kubernetes restart healthy pods.
  app.get(
    '/health',
    {
      config: probeConfig,
      schema: {
        summary: 'Liveness: the process is up (never touches the database)',
        tags: ['service'],
        response: { 200: Type.Object({ status: Type.Literal('healthy'), service: Type.String() }) },
      },
    },
    async () => ({ status: 'healthy' as const, service: 'CRM API' }),
  );

  // Readiness takes the pod out of the Service while MongoDB is unreachable, and back when it returns.
  app.get(
    '/ready',
    {
      config: probeConfig,
      schema: {
        summary: 'Readiness: MongoDB answers a ping',
        tags: ['service'],
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            service: Type.String(),
            checks: Type.Object({ mongodb: Type.Literal('up') }),
          }),
          ...problemResponses(503),
        },
      },
    },
    async () => {
      // Out of the Service before the connections close, so the load balancer stops sending here first.
      if (app.graceful.draining) throw new HttpProblem(503, 'Shutting down');
      if (!(await app.mongoPing())) throw new HttpProblem(503, DB_UNAVAILABLE);
      return { status: 'ready' as const, service: 'CRM API', checks: { mongodb: 'up' as const } };
    },
  );
};

export default probes;
