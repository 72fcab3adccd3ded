import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';

export interface Target {
  baseUrl: string;
  /** Sent as a Bearer token when the deployment has API_KEYS set. */
  apiKey?: string;
}

/**
 * The service's contract over real HTTP, written against a base URL only: the same tests run against the
 * production bundle started by the test run and against a docker compose (or any other) deployment.
 * Every person it creates has a unique id and is deleted afterwards.
 */
export function httpSuite(target: () => Target): void {
  const run = randomUUID().slice(0, 8);
  const created: string[] = [];
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const { baseUrl, apiKey } = target();
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json');
    return {
      status: res.status,
      headers: res.headers,
      body: json && text ? JSON.parse(text) : undefined,
      text,
    };
  };

  afterAll(async () => {
    for (const id of created) await call('DELETE', `/person/${id}`);
  });

  it('GET / describes the service', async () => {
    const res = await call('GET', '/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      service: 'CRM REST API',
      version: expect.any(String),
      endpoints: expect.any(Object),
    });
  });

  it('GET /health and /ready answer 200', async () => {
    expect(await call('GET', '/health')).toMatchObject({
      status: 200,
      body: { status: 'healthy', service: 'CRM API' },
    });
    expect((await call('GET', '/ready')).status).toBe(200);
  });

  it('runs the original E2E flow: POST, GET, PUT, GET, DELETE, GET', async () => {
    const id = `e2e-${run}`;
    created.push(id);
    const person = { name: 'John Doe', email: 'john@example.com', phone: '555-1234' };
    const post = await call('POST', `/person/${id}`, person);
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ message: 'Person added successfully', person_id: id });

    const get = await call('GET', `/person/${id}`);
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({ ...person, person_id: id, _id: post.body.id });

    const byObjectId = await call('GET', `/person?id=${post.body.id}`);
    expect(byObjectId.body).toMatchObject({ person_id: id });

    const put = await call('PUT', `/person/${id}`, { email: 'john.doe@example.com' });
    expect(put).toMatchObject({
      status: 200,
      body: { message: 'Person updated successfully', modified_count: 1 },
    });
    expect((await call('GET', `/person/${id}`)).body.email).toBe('john.doe@example.com');

    const del = await call('DELETE', `/person/${id}`);
    expect(del).toMatchObject({
      status: 200,
      body: { message: 'Person deleted successfully', person_id: id },
    });
    expect((await call('GET', `/person/${id}`)).status).toBe(404);
  });

  it('answers a duplicate with 409 and bad input with 400', async () => {
    const id = `dup-${run}`;
    created.push(id);
    expect((await call('POST', `/person/${id}`, { name: 'First' })).status).toBe(201);
    expect((await call('POST', `/person/${id}`, { name: 'Second' })).status).toBe(409);
    expect((await call('GET', `/person/${id}`)).body.name).toBe('First');
    expect((await call('POST', `/person/bad-${run}`, { name: 'x', $where: '1' })).status).toBe(400);
    expect((await call('GET', '/person?id=not-an-id')).status).toBe(400);
  });

  it('lists persons as a bare array with a cursor link', async () => {
    for (const n of [1, 2, 3]) {
      const id = `list-${run}-${n}`;
      created.push(id);
      expect((await call('POST', `/person/${id}`, { name: `L${n}` })).status).toBe(201);
    }
    const page = await call('GET', '/person?limit=2');
    expect(page.status).toBe(200);
    expect(Array.isArray(page.body)).toBe(true);
    expect(page.body).toHaveLength(2);
    expect(page.headers.get('link')).toMatch(/^<\/person\?limit=2&after=[0-9a-f]{24}>; rel="next"$/);
  });

  it('echoes the correlation id', async () => {
    const res = await call('GET', '/health', undefined, { 'x-correlation-id': `e2e-${run}` });
    expect(res.headers.get('x-correlation-id')).toBe(`e2e-${run}`);
  });

  it('serves Prometheus metrics with the CRM series', async () => {
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^crm_app_info\{version="[^"]+",environment="[^"]+"\} 1$/m);
    expect(res.text).toMatch(/^http_request_duration_seconds_bucket\{/m);
  });
}
