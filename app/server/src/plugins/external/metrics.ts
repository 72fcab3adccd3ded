import fastifyMetrics from 'fastify-metrics';
import fp from 'fastify-plugin';
import client, { type Counter, Registry } from 'prom-client';
import { RequestDurationHistogram } from '../../lib/request-duration-histogram.js';
import { VERSION } from '../../lib/version.js';

declare module 'fastify' {
  interface FastifyInstance {
    crmMetrics: {
      registry: Registry;
      personsCreated: Counter;
      personsUpdated: Counter;
      personsDeleted: Counter;
    };
  }
}

// As fastify-metrics did: preflight and probing methods are not counted, nor are the scrapes themselves.
const UNMEASURED_METHODS = new Set(['HEAD', 'OPTIONS', 'TRACE', 'CONNECT']);
const UNMATCHED_ROUTE = '__unmatched__';

export interface MetricsPluginOptions {
  environment: string;
}

/**
 * Prometheus metrics at /metrics: per-route request histograms labelled by the route template (never the raw
 * path, which would give one series per contact), the default process and Node.js metrics, and the CRM's own.
 * Each app instance has its own registry so that several can live in one process (tests).
 */
export default fp<MetricsPluginOptions>(
  async (app, { environment }) => {
    const registry = new Registry();

    // fastify-metrics is CommonJS with an `exports.default`; under Node's ESM loader that is `.default`. It
    // collects the default metrics; the route histogram is measured below.
    await app.register(fastifyMetrics.default, {
      endpoint: null, // served below from this app's registry
      defaultMetrics: { enabled: true, register: registry },
      routeMetrics: { enabled: false },
    });

    // Every response is measured, errors included; those no route matched (404, 405, a malformed URL) share one
    // route label. The duration is Fastify's own (reply.elapsedTime, from routing to the last byte written), so
    // the histogram costs one observation per response and nothing at its start. fastify-metrics' route metrics
    // did the same with two timers per request and a per-pod quantile summary (http_request_summary_seconds,
    // a t-digest update on every response) that no dashboard or alert reads: they aggregate these buckets.
    const requests = new RequestDurationHistogram(registry);
    app.addHook('onResponse', (request, reply, done) => {
      const { method } = request;
      if (!UNMEASURED_METHODS.has(method)) {
        const { url, config } = request.routeOptions;
        if (url !== '/metrics') {
          requests.observe(
            method,
            (config as { statsId?: string }).statsId ?? url ?? UNMATCHED_ROUTE,
            reply.statusCode,
            reply.elapsedTime / 1000,
          );
        }
      }
      done();
    });

    new client.Gauge({
      name: 'crm_app_info',
      help: 'CRM application information; always 1',
      labelNames: ['version', 'environment'],
      registers: [registry],
    }).set({ version: VERSION, environment }, 1);

    new client.Gauge({
      name: 'crm_mongodb_up',
      help: 'Whether MongoDB answered a ping at scrape time (1) or not (0)',
      registers: [registry],
      async collect() {
        this.set((await app.mongoPing()) ? 1 : 0);
      },
    });

    app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) =>
      reply.type(registry.contentType).send(await registry.metrics()),
    );

    const counter = (name: string, help: string) => new client.Counter({ name, help, registers: [registry] });
    app.decorate('crmMetrics', {
      registry,
      personsCreated: counter('crm_persons_created_total', 'Persons created'),
      personsUpdated: counter(
        'crm_persons_updated_total',
        'Persons updated (requests that changed a person)',
      ),
      personsDeleted: counter('crm_persons_deleted_total', 'Persons deleted'),
    });
  },
  { name: 'metrics', dependencies: ['mongodb'] },
);
