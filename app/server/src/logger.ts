import { ecsFormat } from '@elastic/ecs-pino-format';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { SERVICE_NAME, VERSION } from './lib/version.js';

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/**
 * pino in Elastic Common Schema: one JSON line per event, ready for the Fluentd -> Elasticsearch path.
 * `destination` lets tests capture the lines.
 */
export function loggerOptions(
  config: Pick<Config, 'logLevel' | 'environment'>,
  destination?: NodeJS.WritableStream,
): LoggerOptions {
  return {
    ...ecsFormat({
      serviceName: SERVICE_NAME,
      serviceVersion: VERSION,
      serviceEnvironment: config.environment,
      convertErr: true,
      apmIntegration: false,
    }),
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  } as LoggerOptions;
}
