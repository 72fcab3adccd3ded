/**
 * The service's whole configuration, read once from the environment and validated before anything starts.
 * A bad value fails start-up with a message that names the variable.
 */
import { MongoClient } from 'mongodb';

export interface Config {
  mongoUri: string;
  /** The database named in the URI's path, `crm_db` when it names none. */
  mongoDatabase: string;
  port: number;
  host: string;
  environment: string;
  logLevel: LogLevel;
  /** Bearer keys for /person routes; empty means authentication is off. */
  apiKeys: string[];
  /** Maximum requests per client IP per minute on rate-limited routes. */
  rateLimitMax: number;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  /** How long a shutdown may take before the process is forced out. */
  shutdownTimeoutMs: number;
  /** How long a MongoDB operation waits for a reachable server before the request fails with 503. */
  mongoTimeoutMs: number;
  /**
   * How long a MongoDB reply may take before the operation fails and the request answers 503. At most an eighth
   * of the shutdown budget: a request makes a few operations (a read is retried once), the drain takes a
   * quarter, and a slow database must still not hold a shutdown past the budget.
   */
  mongoOperationTimeoutMs: number;
  /**
   * Connections to MongoDB per process at most. Requests beyond it wait in the driver's queue, in order and for
   * at most mongoOperationTimeoutMs, instead of all running at once in the database.
   */
  mongoMaxPoolSize: number;
  /**
   * Proxies in front of the service whose X-Forwarded-For entries are trusted (1 behind the ingress controller).
   * 0 trusts none, so a client reaching the service directly cannot choose its own address.
   */
  trustProxyHops: number;
  /**
   * Strict-Transport-Security max-age in seconds, sent on every response; null sends none. Set only where the
   * public endpoint is HTTPS: the service cannot tell by itself, since TLS ends at the load balancer.
   */
  hstsMaxAgeSeconds: number | null;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function mongo(env: Env): Pick<Config, 'mongoUri' | 'mongoDatabase'> {
  // MONGO_URI is the name the original service used; MONGODB_URI is the common alternative.
  const name = env.MONGO_URI?.trim() ? 'MONGO_URI' : 'MONGODB_URI';
  const uri = text(env, name, 'mongodb://localhost:27017/crm_db');
  if (!/^mongodb(\+srv)?:\/\/[^\s]+$/.test(uri)) {
    throw new ConfigError(`${name} must be a mongodb:// or mongodb+srv:// connection string`);
  }
  try {
    // The driver's own parser (no connection is made): ports, options and auth mechanisms are checked here,
    // so a bad string stops the start with its variable's name instead of a stack trace later.
    new MongoClient(uri);
  } catch (error) {
    throw new ConfigError(`${name} is not a valid MongoDB connection string: ${(error as Error).message}`);
  }
  const path = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(uri)?.[1];
  return { mongoUri: uri, mongoDatabase: path ? decodeURIComponent(path) : 'crm_db' };
}

function apiKeys(env: Env): string[] {
  const keys = text(env, 'API_KEYS', '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  for (const key of keys) {
    // Short keys are guessable and non-printable ones cannot be sent in a header.
    if (key.length < 16 || !/^[\x21-\x7e]+$/.test(key)) {
      throw new ConfigError(
        'API_KEYS must be a comma-separated list of printable keys of at least 16 characters',
      );
    }
  }
  return keys;
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = text(env, 'LOG_LEVEL', 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const environment = text(env, 'ENVIRONMENT', 'development');
  if (!/^[a-z0-9][a-z0-9_-]{0,31}$/i.test(environment)) {
    throw new ConfigError(`ENVIRONMENT must be 1-32 letters, digits, "-" or "_", got "${environment}"`);
  }
  const shutdownTimeoutMs = integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000);
  const mongoOperationTimeoutMs = integer(
    env,
    'MONGO_OPERATION_TIMEOUT_MS',
    Math.min(1_250, Math.floor(shutdownTimeoutMs / 8)),
    100,
    150_000,
  );
  if (mongoOperationTimeoutMs * 8 > shutdownTimeoutMs) {
    throw new ConfigError(
      `MONGO_OPERATION_TIMEOUT_MS must be at most an eighth of SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs}), got "${mongoOperationTimeoutMs}"`,
    );
  }
  return {
    ...mongo(env),
    port: integer(env, 'PORT', 5000, 0, 65535),
    host: text(env, 'HOST', '0.0.0.0'),
    environment,
    logLevel: logLevel as LogLevel,
    apiKeys: apiKeys(env),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 600, 1, 1_000_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 16_384, 256, 10_485_760),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    shutdownTimeoutMs,
    mongoTimeoutMs: integer(env, 'MONGO_TIMEOUT_MS', 2_000, 100, 60_000),
    mongoOperationTimeoutMs,
    mongoMaxPoolSize: integer(env, 'MONGO_MAX_POOL_SIZE', 10, 1, 500),
    trustProxyHops: integer(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    hstsMaxAgeSeconds: env.HSTS_MAX_AGE?.trim() ? integer(env, 'HSTS_MAX_AGE', 0, 0, 63_072_000) : null,
  };
}
