import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { AccessLog } from './lib/access-log.js';
import { createLogger } from './logger.js';
import auth from './plugins/app/auth.js';
import errors, { answerFrameworkError, rejectBeforeRouting } from './plugins/app/errors.js';
import gracefulClose from './plugins/app/graceful-close.js';
import jsonBody from './plugins/app/json-body.js';
import personsRepository from './plugins/app/persons-repository.js';
import requestContext, { correlationId } from './plugins/app/request-context.js';
import helmet from './plugins/external/helmet.js';
import metrics from './plugins/external/metrics.js';
import mongodb from './plugins/external/mongodb.js';
import rateLimit from './plugins/external/rate-limit.js';
import swagger from './plugins/external/swagger.js';
import persons from './routes/persons.js';
import probes from './routes/probes.js';
import root from './routes/root.js';
import { MAX_PATH_SEGMENT_LENGTH } from './schemas/person.js';

export interface BuildOptions {
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  logStream?: NodeJS.WritableStream;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(config, options.logStream),
    logController: new AccessLog(),
    genReqId: correlationId,
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT_LENGTH },
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs * 2,
    // Above the 60 s upstream keep-alive of the ingress controller, so it never reuses a socket this side closed.
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    // Requests that still arrive during shutdown are served (their response closes the connection) rather than
    // answered with Fastify's own 503 body, which would break the one error shape.
    return503OnClosing: false,
    // URLs the router would refuse are answered by a route of their own, so they run the same hooks as every
    // response; errors Fastify still raises before routing get the same problem body.
    rewriteUrl: (raw) => rejectBeforeRouting(raw),
    frameworkErrors: answerFrameworkError,
    // Client IPs (rate limiting, logs) come from X-Forwarded-For only as far as the configured proxies vouch.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  await app.register(errors, { bodyLimitBytes: config.bodyLimitBytes });
  await app.register(jsonBody);
  await app.register(requestContext);
  await app.register(gracefulClose);
  await app.register(mongodb, {
    uri: config.mongoUri,
    database: config.mongoDatabase,
    timeoutMs: config.mongoTimeoutMs,
    operationTimeoutMs: config.mongoOperationTimeoutMs,
    maxPoolSize: config.mongoMaxPoolSize,
  });
  await app.register(metrics, { environment: config.environment });
  await app.register(helmet, { hstsMaxAgeSeconds: config.hstsMaxAgeSeconds });
  await app.register(rateLimit, { max: config.rateLimitMax });
  await app.register(swagger);
  await app.register(auth, { apiKeys: config.apiKeys });
  // Two operation bounds: a request that waited for the lock still ends within five, well inside the shutdown budget.
  await app.register(personsRepository, { lockWaitMs: 2 * config.mongoOperationTimeoutMs });

  await app.register(root);
  await app.register(probes);
  await app.register(persons);
  return app;
}
