import { ecsFormat } from '@elastic/ecs-pino-format';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { Config } from './config.js';
import { SERVICE_NAME, VERSION } from './lib/version.js';

/**
 * pino in Elastic Common Schema: one JSON line per event, ready for the Fluentd -> Elasticsearch path.
 * `destination` lets tests capture the lines. Without one, lines go to stdout asynchronously: a request does not
 * wait for the write, and pino flushes what is buffered when the process exits.
 */
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
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
