import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { HttpProblem } from '../../lib/problem.js';

export interface RateLimitPluginOptions {
  max: number;
}

/**
 * Per-client-IP limit on the API routes. Probes and /metrics opt out per route (`config.rateLimit: false`):
 * a throttled kubelet or Prometheus would turn load into restarts and gaps in the graphs.
 */
export default fp<RateLimitPluginOptions>(
  async (app, { max }) => {
    await app.register(rateLimit, {
      global: true,
      max,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(
          429,
          `Rate limit exceeded: ${context.max} requests per minute; retry in ${context.after}`,
        ),
    });
  },
  { name: 'rate-limit' },
);
