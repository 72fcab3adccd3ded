import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSuite } from './e2e/http-suite.js';
import { freshDatabaseUri, mongoServerUri } from './helpers.js';
import { bundlePath, type RunningServer, startBundle } from './processes.js';

describe.skipIf(!mongoServerUri)('E2E over HTTP against the production bundle', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startBundle({ MONGO_URI: freshDatabaseUri(), ENVIRONMENT: 'e2e' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('holds production dependencies only', () => {
    const modules = readdirSync(bundlePath('node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['fastify', 'mongodb', '@fastify', 'pino']));
    expect(readdirSync(bundlePath('node_modules', '@fastify'))).toContain('mongodb');
    for (const devOnly of [
      'vitest',
      'typescript',
      'fast-check',
      'autocannon',
      'mongodb-memory-server-core',
      'tsx',
      '@pulumi',
    ]) {
      expect(modules).not.toContain(devOnly);
    }
    expect(existsSync(bundlePath('src'))).toBe(false);
    expect(existsSync(bundlePath('dist', 'server.js'))).toBe(true);
  });

  httpSuite(() => ({ baseUrl: server.url }));

  it('logged one ECS line per request to stdout', async () => {
    const accessLines = () => server.logs.filter((l) => typeof l['http.response.status_code'] === 'number');
    // pino writes asynchronously: on a busy machine the last lines reach the pipe a moment after the responses.
    for (let waited = 0; accessLines().length <= 10 && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const access = accessLines();
    expect(access.length).toBeGreaterThan(10);
    const ids = access.map((l) => l['http.request.id']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const line of access)
      expect(line).toMatchObject({ 'service.name': 'crm-app', 'service.environment': 'e2e' });
  });
});
