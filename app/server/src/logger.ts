import { ecsFormat } from '@elastic/ecs-pino-format';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { Config } from './config.js';
import { SERVICE_NAME, VERSION } from './lib/version.js';

/**
 * pino in Elastic Common Schema: one JSON line per event, ready for the Fluentd -> Elasticsearch path.
 * `destination` lets tests capture the lines. Without one, lines go to stdout asynchronously and in batches: a
 * request does not wait for the write; lines are written together once BATCH_BYTES have gathered, and at most
 * FLUSH_MS after they were logged; pino flushes what is buffered when the process exits. Written one by one
 * (one write call per access line), the log cost a request about as much CPU as sending its database command.
 */
const BATCH_BYTES = 8192;
const FLUSH_MS = 200;

export function createLogger(
  config: Pick<Config, 'logLevel' | 'environment'>,
  destination?: NodeJS.WritableStream,
): FastifyBaseLogger {
  return pino(
    {
      ...ecsFormat({
        serviceName: SERVICE_NAME,
        serviceVersion: VERSION,
        serviceEnvironment: config.environment,
        convertErr: true,
        apmIntegration: false,
      }),
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    },
    destination ??
      pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES, periodicFlush: FLUSH_MS }),
  );
}
