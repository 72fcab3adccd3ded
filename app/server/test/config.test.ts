import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('defaults to the original service: port 5000 and crm_db on localhost', () => {
    expect(loadConfig({})).toEqual({
      mongoUri: 'mongodb://localhost:27017/crm_db',
      mongoDatabase: 'crm_db',
      port: 5000,
      host: '0.0.0.0',
      environment: 'development',
      logLevel: 'info',
      apiKeys: [],
      rateLimitMax: 600,
      bodyLimitBytes: 16_384,
      requestTimeoutMs: 30_000,
      shutdownTimeoutMs: 10_000,
      mongoTimeoutMs: 2_000,
      mongoOperationTimeoutMs: 1_250,
      mongoMaxPoolSize: 10,
      trustProxyHops: 0,
      hstsMaxAgeSeconds: null,
    });
  });

  it('keeps every database operation within an eighth of the shutdown budget', () => {
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '8000', MONGO_OPERATION_TIMEOUT_MS: '1000' })).toMatchObject({
      shutdownTimeoutMs: 8000,
      mongoOperationTimeoutMs: 1000,
    });
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '8000', MONGO_OPERATION_TIMEOUT_MS: '1001' })).toThrow(
      /^MONGO_OPERATION_TIMEOUT_MS must be at most an eighth of SHUTDOWN_TIMEOUT_MS \(8000\), got "1001"$/,
    );
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '4000' }).mongoOperationTimeoutMs).toBe(500); // the default follows
  });

  it('reads MONGO_URI first and MONGODB_URI as the alternative', () => {
    expect(loadConfig({ MONGODB_URI: 'mongodb://b/x' }).mongoUri).toBe('mongodb://b/x');
    expect(loadConfig({ MONGO_URI: 'mongodb://a/x', MONGODB_URI: 'mongodb://b/x' }).mongoUri).toBe(
      'mongodb://a/x',
    );
    expect(loadConfig({ MONGO_URI: 'mongodb+srv://u:p@cluster/db' }).mongoUri).toBe(
      'mongodb+srv://u:p@cluster/db',
    );
  });

  it('takes the database from the URI path, crm_db when it names none', () => {
    expect(loadConfig({ MONGO_URI: 'mongodb://mongo:27017' }).mongoDatabase).toBe('crm_db');
    expect(loadConfig({ MONGO_URI: 'mongodb://mongo:27017/?retryWrites=true' }).mongoDatabase).toBe('crm_db');
    expect(loadConfig({ MONGO_URI: 'mongodb://u:p@a:1,b:2/contacts?replicaSet=rs0' }).mongoDatabase).toBe(
      'contacts',
    );
  });

  it('parses the API keys list', () => {
    expect(loadConfig({ API_KEYS: ' first-key-0123456789 ,, second-key-0123456789 ' }).apiKeys).toEqual([
      'first-key-0123456789',
      'second-key-0123456789',
    ]);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['MONGO_URI', 'http://localhost'],
    ['MONGODB_URI', 'localhost:27017'],
    ['MONGO_URI', 'mongodb://a:b:c/x'],
    ['MONGO_URI', 'mongodb://host:99999/db'],
    ['MONGO_URI', 'mongodb://host/db?authMechanism=FOO'],
    ['ENVIRONMENT', 'has spaces'],
    ['API_KEYS', 'short'],
    ['RATE_LIMIT_MAX', '0'],
    ['BODY_LIMIT_BYTES', '1e6'],
    ['SHUTDOWN_TIMEOUT_MS', '10s'],
    ['MONGO_TIMEOUT_MS', '5'],
    ['MONGO_MAX_POOL_SIZE', '0'],
    ['TRUST_PROXY_HOPS', '11'],
    ['HSTS_MAX_AGE', '1y'],
    ['REQUEST_TIMEOUT_MS', ''.padEnd(3, 'x')],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`^${name} `));
  });
});
