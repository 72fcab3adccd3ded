import { beforeAll, expect, it } from 'vitest';
import { buildTestApp, describeWithDb, type TestApp } from './helpers.js';

describeWithDb('bad input: a clear 4xx and nothing written', () => {
  let t: TestApp;
  let snapshot: () => Promise<unknown[]>;
  beforeAll(async () => {
    t = await buildTestApp({ BODY_LIMIT_BYTES: '1024' });
    const created = await t.app.inject({ method: 'POST', url: '/person/kept', payload: { name: 'Kept' } });
    expect(created.statusCode).toBe(201);
    snapshot = () => t.db.db().collection('persons').find().sort({ _id: 1 }).toArray();
  });

  const cases: Array<{
    what: string;
    method: 'POST' | 'PUT';
    url?: string;
    payload?: string;
    type?: string;
    status: number;
    error: RegExp;
  }> = [
    { what: 'no body', method: 'POST', status: 400, error: /body is required/ },
    {
      what: 'empty JSON body',
      method: 'POST',
      payload: '',
      type: 'application/json',
      status: 400,
      error: /empty/i,
    },
    { what: 'JSON array', method: 'POST', payload: '[1,2]', status: 400, error: /must be a JSON object/ },
    { what: 'JSON string', method: 'PUT', payload: '"name"', status: 400, error: /must be a JSON object/ },
    { what: 'JSON null', method: 'POST', payload: 'null', status: 400, error: /body is required/ },
    { what: 'invalid JSON', method: 'POST', payload: '{"name":', status: 400, error: /not valid JSON/ },
    { what: 'empty object on create', method: 'POST', payload: '{}', status: 400, error: /name/ },
    { what: 'empty object on update', method: 'PUT', payload: '{}', status: 400, error: /fewer than 1/ },
    {
      what: '$ operator key',
      method: 'PUT',
      payload: '{"$set":{"name":"x"}}',
      status: 400,
      error: /'\$set' is not allowed/,
    },
    {
      what: 'dotted key',
      method: 'POST',
      payload: '{"name":"x","a.b":1}',
      status: 400,
      error: /'a.b' is not allowed/,
    },
    {
      what: '_id',
      method: 'POST',
      payload: '{"name":"x","_id":"0123456789abcdef01234567"}',
      status: 400,
      error: /'_id' is set by the server/,
    },
    {
      what: 'person_id',
      method: 'PUT',
      payload: '{"person_id":"other"}',
      status: 400,
      error: /'person_id' is set by the server/,
    },
    {
      what: 'unknown field',
      method: 'POST',
      payload: '{"name":"x","isAdmin":true}',
      status: 400,
      error: /unknown field 'isAdmin'/,
    },
    {
      what: 'wrong type',
      method: 'POST',
      payload: '{"name":123}',
      status: 400,
      error: /name must be string/,
    },
    {
      what: 'bad email',
      method: 'PUT',
      payload: '{"email":"not-an-email"}',
      status: 400,
      error: /email must match format "email"/,
    },
    {
      what: 'bad phone',
      method: 'PUT',
      payload: '{"phone":"call me"}',
      status: 400,
      error: /phone must match pattern/,
    },
    { what: 'duplicate tags', method: 'PUT', payload: '{"tags":["a","a"]}', status: 400, error: /tags/ },
    {
      what: 'prototype pollution',
      method: 'PUT',
      payload: '{"__proto__":{"x":1}}',
      status: 400,
      error: /^Field name '__proto__' is not allowed: it names an object's prototype$/,
    },
    {
      what: 'escaped prototype key',
      method: 'POST',
      payload: '{"name":"x","\\u005f_proto__":{"x":1}}',
      status: 400,
      error: /^Field name '__proto__' is not allowed/,
    },
    {
      what: 'constructor.prototype',
      method: 'POST',
      payload: '{"name":"x","constructor":{"prototype":{"x":1}}}',
      status: 400,
      error: /^Field name 'constructor' is not allowed/,
    },
    {
      what: 'text/plain',
      method: 'POST',
      payload: 'name=x',
      type: 'text/plain',
      status: 415,
      error: /Unsupported Content-Type/,
    },
    {
      what: 'form body',
      method: 'PUT',
      payload: 'name=x',
      type: 'application/x-www-form-urlencoded',
      status: 415,
      error: /Unsupported Content-Type/,
    },
    {
      what: 'body over the limit',
      method: 'POST',
      payload: JSON.stringify({ name: 'x', notes: 'n'.repeat(2000) }),
      status: 413,
      error: /1024-byte limit/,
    },
    {
      what: 'path id with a bad character',
      method: 'POST',
      url: '/person/a%20b',
      payload: '{"name":"x"}',
      status: 400,
      error: /personId/,
    },
    {
      what: 'path id too long',
      method: 'PUT',
      url: `/person/${'x'.repeat(257)}`,
      payload: '{"name":"x"}',
      status: 400,
      error: /personId/,
    },
  ];

  for (const c of cases) {
    it(`${c.method} with ${c.what}: ${c.status}`, async () => {
      const before = await snapshot();
      const res = await t.app.inject({
        method: c.method,
        url: c.url ?? (c.method === 'POST' ? '/person/new-one' : '/person/kept'),
        ...(c.payload === undefined ? {} : { payload: c.payload }),
        headers: c.payload === undefined ? {} : { 'content-type': c.type ?? 'application/json' },
      });
      expect(res.statusCode).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = res.json();
      expect(body).toMatchObject({ status: c.status, type: 'about:blank', instance: expect.any(String) });
      expect(body.error).toBe(body.detail);
      expect(body.error).toMatch(c.error);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('rejects malformed ObjectIds in ?id= with 400, not 500', async () => {
    for (const id of ['123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '0123456789abcdef0123456', '%00', "'; drop"]) {
      const res = await t.app.inject({ method: 'GET', url: `/person?id=${encodeURIComponent(id)}` });
      expect(res.statusCode, id).toBe(400);
      expect(res.json().error).toBe('id must be a 24-character hexadecimal MongoDB ObjectId');
    }
  });

  it('refuses new ids outside the charset, and only looks up (never runs) such ids elsewhere', async () => {
    const before = await snapshot();
    const created = await t.app.inject({ method: 'POST', url: '/person/%24where', payload: { name: 'x' } });
    expect(created.statusCode).toBe(400);
    expect(created.json().error).toMatch(/personId must match pattern/);
    // Stored ids may be anything the original accepted; '$where' is compared as a plain string and matches none.
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/person/%24where' });
      expect(res.statusCode).toBe(404);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, error: 'Route GET /nope not found', instance: '/nope' });
  });
});
