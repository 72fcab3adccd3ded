import { beforeAll, expect, it } from 'vitest';
import { buildTestApp, describeWithDb, type TestApp } from './helpers.js';

// Requests Fastify refuses before any route matches them are answered like every other response.
describeWithDb('errors before routing: logged, measured, identified, protected', () => {
  let t: TestApp;
  let tls: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({ TRUST_PROXY_HOPS: '1' });
    tls = await buildTestApp({ TRUST_PROXY_HOPS: '1', HSTS_MAX_AGE: '31536000' });
  });

  const longSegment = 'a'.repeat(1100);
  const cases = [
    {
      what: 'a malformed URL',
      url: '/person/%E0%A4%A',
      status: 400,
      detail: 'Malformed URL: the path is not valid percent-encoding',
    },
    {
      what: 'a path segment over the limit',
      url: `/person/${longSegment}`,
      status: 414,
      detail: 'A path segment is longer than the 1024-character limit',
    },
  ];

  for (const c of cases) {
    it(`${c.what}: ${c.status} with a log line, a metric, the correlation id and the security headers`, async () => {
      const id = `early-${c.status}`;
      const res = await t.app.inject({ method: 'GET', url: c.url, headers: { 'x-correlation-id': id } });
      expect(res.statusCode).toBe(c.status);
      expect(res.json()).toMatchObject({
        status: c.status,
        detail: c.detail,
        error: c.detail,
        correlation_id: id,
      });
      expect(res.headers['x-correlation-id']).toBe(id);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");

      const access = t.logs.filter((l) => l['http.request.id'] === id && 'http.response.status_code' in l);
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': c.status,
      });

      const metrics = (await t.app.inject('/metrics')).body;
      expect(metrics).toMatch(
        new RegExp(
          `^http_request_duration_seconds_count\\{method="GET",route="__unmatched__",status_code="${c.status}"\\} [1-9]`,
          'm',
        ),
      );
    });
  }

  it('does not repeat an over-long path in the 414 body', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/person/${longSegment}` });
    expect(res.body.split(longSegment)).toHaveLength(1); // never whole
    expect(res.json().instance).toBe(`/person/${'a'.repeat(192)}…`);
    expect(res.body.length).toBeLessThan(600);
  });

  it('answers the internal route with 404 when asked for it by name', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/__rejected' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('Route GET /__rejected not found');
  });

  it('sends HSTS only when configured, never inferred from X-Forwarded-Proto', async () => {
    // TLS ends at the load balancer, which forwards plain HTTP: the header says nothing the service can trust.
    const forwarded = await t.app.inject({ url: '/health', headers: { 'x-forwarded-proto': 'https' } });
    expect(forwarded.headers['strict-transport-security']).toBeUndefined();
    for (const url of ['/health', '/person/%E0%A4%A', '/nowhere']) {
      const res = await tls.app.inject(url);
      expect(res.headers['strict-transport-security'], url).toBe('max-age=31536000');
    }
  });
});
