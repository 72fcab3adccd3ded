import {
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoTopologyClosedError,
} from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DB_UNAVAILABLE } from '../src/plugins/app/errors.js';
import { DOCUMENT_ONLY_HEADERS } from '../src/plugins/external/helmet.js';
import { ENDPOINTS } from '../src/routes/root.js';
import { buildTestApp, describeWithDb, type TestApp } from './helpers.js';

const API_KEY = 'k3y-0123456789-abcdef';

describeWithDb('service routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({}, (app) => {
      app.get('/boom', { schema: { hide: true } }, async () => {
        throw new Error('secret internals: connection string mongodb://user:pw@host');
      });
    });
  });

  it('GET / describes the service as the original did: version 2.0.0, its endpoint keys, every route', async () => {
    const res = await t.app.inject('/');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ service: 'CRM REST API', version: '2.0.0', endpoints: ENDPOINTS });
    // The original's keys, unchanged, so a client that looks one up still finds it.
    expect(Object.keys(body.endpoints)).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /metrics',
        'GET /person',
        'GET /person?id=<mongodb_id>',
        'GET /person/<custom_id>',
        'POST /person/<custom_id>',
        'PUT /person/<custom_id>',
        'DELETE /person/<custom_id>',
      ]),
    );
    for (const endpoint of Object.keys(ENDPOINTS)) {
      const [method, path] = endpoint.split(' ') as [string, string];
      const url = path.replace(/\?.*$/, '').replace('<custom_id>', ':personId');
      expect(t.app.hasRoute({ method: method as 'GET', url }), endpoint).toBe(true);
    }
    const openapi = (await t.app.inject('/docs/json')).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, methods] of Object.entries(openapi.paths)) {
      for (const method of Object.keys(methods)) {
        const listed = `${method.toUpperCase()} ${path.replace('{personId}', '<custom_id>')}`;
        expect(Object.keys(ENDPOINTS), listed).toContain(listed);
      }
    }
  });

  it('answers a malformed URL in the problem shape', async () => {
    const res = await t.app.inject({ url: '/person/%ZZ', headers: { 'x-correlation-id': 'bad-url' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 400,
      error: expect.stringMatching(/^Malformed URL/),
      correlation_id: 'bad-url',
    });
  });

  it('GET /health is liveness with the original body', async () => {
    const res = await t.app.inject('/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'healthy', service: 'CRM API' });
  });

  it('GET /ready pings MongoDB', async () => {
    const res = await t.app.inject('/ready');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', service: 'CRM API', checks: { mongodb: 'up' } });
  });

  it('serves OpenAPI 3 at /docs/json and Swagger UI at /docs', async () => {
    const spec = (await t.app.inject('/docs/json')).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/person', '/person/{personId}', '/health', '/ready']),
    );
    expect(
      spec.paths['/person/{personId}'].post.requestBody.content['application/json'].schema.properties,
    ).toHaveProperty('email');
    const ui = await t.app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('sets security headers', async () => {
    const res = await t.app.inject('/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    // JSON loads nothing and is never framed: the strictest policy (Swagger UI at /docs sets its own, below).
    // No upgrade-insecure-requests either: served over plain HTTP behind the load balancer.
    expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    // The rest of helmet's set that a JSON response can act on, on every response.
    expect(res.headers).toMatchObject({
      'cross-origin-resource-policy': 'same-origin',
      'x-permitted-cross-domain-policies': 'none',
    });
    // What only a rendered document acts on goes with the HTML pages (Swagger UI), not with JSON.
    for (const name of DOCUMENT_ONLY_HEADERS) expect(res.headers, name).not.toHaveProperty(name);
    const ui = await t.app.inject('/docs/');
    expect(ui.headers).toMatchObject({
      'cross-origin-opener-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-xss-protection': '0',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
    });
    // No HSTS unless HSTS_MAX_AGE says the public endpoint is HTTPS.
    expect(res.headers['strict-transport-security']).toBeUndefined();
    // Nor is it inferred from X-Forwarded-Proto.
    const forged = await t.app.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers['strict-transport-security']).toBeUndefined();
  });

  it('lets Swagger UI at /docs apply its inline style, and nothing else inline', async () => {
    const ui = await t.app.inject('/docs/');
    const csp = String(ui.headers['content-security-policy']);
    const directive = (name: string) => csp.split(/;\s*/).find((d) => d.startsWith(`${name} `));
    expect(directive('style-src')).toBe("style-src 'self' 'unsafe-inline'");
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The page's own assets load under that policy.
    for (const asset of ['/docs/static/swagger-ui.css', '/docs/static/swagger-ui-bundle.js']) {
      expect((await t.app.inject(asset)).statusCode, asset).toBe(200);
    }
  });

  it('answers an unexpected error with a bare 500 and logs its stack', async () => {
    const res = await t.app.inject({ url: '/boom', headers: { 'x-correlation-id': 'boom-1' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'Internal server error',
      error: 'Internal server error',
      instance: '/boom',
      correlation_id: 'boom-1',
    });
    expect(res.body).not.toContain('secret');
    const errorLine = t.logs.find((l) => l['http.request.id'] === 'boom-1' && l['log.level'] === 'error');
    expect(errorLine?.error).toMatchObject({
      type: 'Error',
      stack_trace: expect.stringContaining('service.test.ts'),
    });
  });
});

describeWithDb('correlation ids and logs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  const linesOf = (id: string) => t.logs.filter((l) => l['http.request.id'] === id);

  it('echoes a valid X-Correlation-ID and puts it on every log line of the request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/person/corr',
      payload: { name: 'C' },
      headers: { 'x-correlation-id': 'req-42.a:b_c' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-correlation-id']).toBe('req-42.a:b_c');
    const lines = linesOf('req-42.a:b_c');
    expect(lines).toHaveLength(1); // exactly one access line, no duplicates
    expect(lines[0]).toMatchObject({
      'log.level': 'info',
      'service.name': 'crm-app',
      'service.environment': 'development',
      'ecs.version': expect.any(String),
      '@timestamp': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'http.request.method': 'POST',
      'http.route': '/person/:personId',
      'url.path': '/person/corr',
      'http.response.status_code': 201,
      'event.duration': expect.any(Number),
      message: 'POST /person/:personId 201',
    });
  });

  it('replaces a malformed or oversized correlation id with a UUID', async () => {
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', '']) {
      const res = await t.app.inject({ url: '/person/corr', headers: { 'x-correlation-id': bad } });
      const id = res.headers['x-correlation-id'] as string;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(linesOf(id)).toHaveLength(1);
      expect(res.json().correlation_id ?? id).toBe(id);
    }
  });

  it('logs 4xx responses once, with the error response correlated', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/person/x',
      payload: [],
      headers: { 'x-correlation-id': 'bad-body' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().correlation_id).toBe('bad-body');
    expect(linesOf('bad-body').map((l) => l['http.response.status_code'])).toEqual([400]);
  });

  it('logs probes at debug level only', async () => {
    await t.app.inject({ url: '/health', headers: { 'x-correlation-id': 'probe-1' } });
    expect(linesOf('probe-1')).toEqual([]);
  });
});

describeWithDb('metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ ENVIRONMENT: 'staging' });
    const send = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url, ...(payload ? { payload } : {}) });
    await send('POST', '/person/m1', { name: 'M1' });
    await send('POST', '/person/m2', { name: 'M2' });
    await send('POST', '/person/m2', { name: 'again' }); // 409
    await send('PUT', '/person/m1', { name: 'M1b' });
    await send('PUT', '/person/m1', { name: 'M1b' }); // no change: not counted
    await send('DELETE', '/person/m2');
    await t.app.inject('/person/m1');
    await t.app.inject('/person/unknown-1');
    await t.app.inject('/person/unknown-2');
  });

  const scrape = async () => {
    const res = await t.app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('counts persons created, updated and deleted', async () => {
    const text = await scrape();
    expect(value(text, 'crm_persons_created_total')).toBe(2);
    expect(value(text, 'crm_persons_updated_total')).toBe(1);
    expect(value(text, 'crm_persons_deleted_total')).toBe(1);
  });

  it('exposes crm_app_info and MongoDB reachability', async () => {
    const text = await scrape();
    expect(value(text, 'crm_app_info{version="1.0.0",environment="staging"}')).toBe(1);
    expect(value(text, 'crm_mongodb_up')).toBe(1);
  });

  it('labels request metrics by route template, never by raw path', async () => {
    const text = await scrape();
    expect(
      value(
        text,
        'http_request_duration_seconds_count{method="GET",route="/person/:personId",status_code="404"}',
      ),
    ).toBe(2);
    expect(
      value(
        text,
        'http_request_duration_seconds_count{method="POST",route="/person/:personId",status_code="409"}',
      ),
    ).toBe(1);
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="POST",route="/person/:personId",status_code="201"}',
    );
    expect(text).not.toMatch(/route="\/person\/(m1|m2|unknown)/);
    expect(text).not.toMatch(/route="\/metrics"/);
    // Durations in seconds: two creates take well under a second together, and more than a millisecond.
    const created = value(
      text,
      'http_request_duration_seconds_sum{method="POST",route="/person/:personId",status_code="201"}',
    );
    expect(created).toBeGreaterThan(0.001);
    expect(created).toBeLessThan(1);
    // The histogram only: the per-pod summary fed no dashboard or alert and cost every response a t-digest update.
    expect(text).not.toContain('http_request_summary_seconds');
  });

  it('includes the default process and Node.js metrics', async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'));
    }
  });
});

describeWithDb('API-key authentication', () => {
  describe('when keys are configured', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await buildTestApp({ API_KEYS: `${API_KEY}, another-key-0123456789` });
    });

    it('requires a Bearer key on /person routes', async () => {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-key-0123456789' },
        { authorization: `Basic ${API_KEY}` },
        { authorization: 'Bearer' },
      ]) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/person/auth',
          payload: { name: 'A' },
          headers,
        });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="crm"');
        expect(res.json().error).toMatch(/Authentication required|Invalid API key/);
      }
      expect(await t.db.db().collection('persons').countDocuments()).toBe(0);
      const ok = await t.app.inject({
        method: 'POST',
        url: '/person/auth',
        payload: { name: 'A' },
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(ok.statusCode).toBe(201);
      const second = await t.app.inject({
        url: '/person',
        headers: { authorization: 'bearer another-key-0123456789' },
      });
      expect(second.statusCode).toBe(200);
    });

    it('answers 401 before parsing or validating anything', async () => {
      const probes = [
        t.app.inject({ method: 'POST', url: '/person/%24bad', payload: { $where: '1' } }),
        t.app.inject({ url: '/person?foo=1' }),
        t.app.inject({
          method: 'PUT',
          url: '/person/x',
          payload: 'not json',
          headers: { 'content-type': 'text/plain' },
        }),
      ];
      for (const res of await Promise.all(probes)) {
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toMatch(/^Authentication required/);
      }
    });

    it('leaves /, /health, /ready and /metrics open', async () => {
      for (const url of ['/', '/health', '/ready', '/metrics']) {
        expect((await t.app.inject(url)).statusCode, url).toBe(200);
      }
    });

    it('never logs the key', async () => {
      await t.app.inject({ url: '/person', headers: { authorization: `Bearer ${API_KEY}` } });
      expect(JSON.stringify(t.logs)).not.toContain(API_KEY);
    });
  });

  it('is off when no key is configured', async () => {
    const t = await buildTestApp();
    expect((await t.app.inject('/person')).statusCode).toBe(200);
  });
});

describeWithDb('rate limiting', () => {
  it('keys on the address a trusted proxy saw, not on what the client claims', async () => {
    const direct = await buildTestApp({ RATE_LIMIT_MAX: '2' });
    const spoof = (ip: string) => direct.app.inject({ url: '/person', headers: { 'x-forwarded-for': ip } });
    expect([
      (await spoof('10.0.0.1')).statusCode,
      (await spoof('10.0.0.2')).statusCode,
      (await spoof('10.0.0.3')).statusCode,
    ]).toEqual([200, 200, 429]);

    const proxied = await buildTestApp({ RATE_LIMIT_MAX: '2', TRUST_PROXY_HOPS: '1' });
    const via = (chain: string) =>
      proxied.app.inject({ url: '/person', headers: { 'x-forwarded-for': chain } });
    // One hop trusted: the entry the ingress appended decides, whatever the client wrote before it.
    expect([
      (await via('1.1.1.1, 203.0.113.7')).statusCode,
      (await via('2.2.2.2, 203.0.113.7')).statusCode,
      (await via('3.3.3.3, 203.0.113.7')).statusCode,
    ]).toEqual([200, 200, 429]);
    expect((await via('203.0.113.8')).statusCode).toBe(200);
  });

  it('limits /person per client and exempts probes and metrics', async () => {
    const t = await buildTestApp({ RATE_LIMIT_MAX: '3' });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await t.app.inject('/person')).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await t.app.inject('/person');
    expect(limited.json()).toMatchObject({
      status: 429,
      error: expect.stringMatching(/Rate limit exceeded: 3 requests per minute/),
    });
    expect(limited.headers['retry-after']).toBeDefined();
    for (let i = 0; i < 10; i++) {
      for (const url of ['/health', '/ready', '/metrics'])
        expect((await t.app.inject(url)).statusCode).toBe(200);
    }
  });
});

describe('MongoDB unreachable', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A real connection attempt to a closed loopback port.
    t = await buildTestApp({ MONGO_URI: 'mongodb://127.0.0.1:1/crm_db', MONGO_TIMEOUT_MS: '300' });
  });

  it('stays live, reports not ready and answers /person with 503', async () => {
    expect((await t.app.inject('/health')).statusCode).toBe(200);
    const ready = await t.app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error).toMatch(/^Database unavailable/);
    for (const [method, url, payload] of [
      ['GET', '/person', undefined],
      ['GET', '/person/x', undefined],
      ['POST', '/person/x', { name: 'X' }],
      ['PUT', '/person/x', { name: 'X' }],
      ['DELETE', '/person/x', undefined],
    ] as const) {
      const res = await t.app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(503);
      expect(res.json().error).toMatch(/^Database unavailable/);
    }
    const metrics = await t.app.inject('/metrics');
    expect(metrics.body).toMatch(/^crm_mongodb_up 0$/m);
  });
});

describeWithDb('database failures are 503, programming errors 500', () => {
  let t: TestApp;
  let failure: Error = new Error('unset');
  beforeAll(async () => {
    t = await buildTestApp({}, (app) => {
      app.persons.findByPersonId = async () => {
        throw failure;
      };
    });
  });

  const socketEnded = Object.assign(new Error('This socket has been ended by the other party'), {
    code: 'EPIPE',
  });

  it.each([
    ['a socket the database closed (EPIPE, unwrapped)', socketEnded, 503],
    ['an operation over its time bound', new MongoOperationTimeoutError('Timed out'), 503],
    ['a reset connection', new MongoNetworkError('connection reset'), 503],
    ['a closed client', new MongoTopologyClosedError(), 503],
    ['a server shutting down', new MongoServerError({ message: 'shutdown', code: 91 }), 503],
    ['a bad query (a bug)', new MongoServerError({ message: 'unknown operator', code: 2 }), 500],
    ['a bad driver argument (a bug)', new MongoInvalidArgumentError('bad option'), 500],
    ['any other bug', new TypeError('x is undefined'), 500],
  ])('%s → %i', async (_what, error, status) => {
    failure = error;
    const res = await t.app.inject('/person/someone');
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toBe(status === 503 ? DB_UNAVAILABLE : 'Internal server error');
  });
});
