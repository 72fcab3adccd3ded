import { beforeAll, expect, it } from 'vitest';
import { buildTestApp, describeWithDb, type TestApp } from './helpers.js';

// Requests that clients of the original Flask service send, answered as the original answered them.
describeWithDb('old clients keep working', () => {
  let t: TestApp;
  const persons = () => t.db.db().collection('persons');
  beforeAll(async () => {
    t = await buildTestApp();
    await persons().insertMany(
      Array.from({ length: 150 }, (_, i) => ({
        person_id: `p${String(i).padStart(3, '0')}`,
        name: `P ${i}`,
      })),
    );
  });

  it('DELETE and GET with Content-Type: application/json and an empty body (Python requests sessions)', async () => {
    const json = { 'content-type': 'application/json' };
    const read = await t.app.inject({ method: 'GET', url: '/person/p000', headers: json });
    expect(read.statusCode).toBe(200);
    expect(read.json().person_id).toBe('p000');
    expect((await t.app.inject({ method: 'GET', url: '/person?limit=1', headers: json })).statusCode).toBe(
      200,
    );
    const removed = await t.app.inject({ method: 'DELETE', url: '/person/p000', headers: json });
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toEqual({ message: 'Person deleted successfully', person_id: 'p000' });
    expect(await persons().countDocuments({ person_id: 'p000' })).toBe(0);
  });

  it('ignores a body on routes that take none, whatever its type', async () => {
    const withJson = await t.app.inject({
      method: 'DELETE',
      url: '/person/p001',
      headers: { 'content-type': 'application/json' },
      payload: '{"person_id":"p002"}',
    });
    expect(withJson.statusCode).toBe(200);
    expect(await persons().countDocuments({ person_id: { $in: ['p001', 'p002'] } })).toBe(1);
    const withText = await t.app.inject({
      method: 'GET',
      url: '/person/p002',
      headers: { 'content-type': 'text/plain' },
      payload: 'anything',
    });
    expect(withText.statusCode).toBe(200);
  });

  it('ignores unknown query parameters such as a cache-buster', async () => {
    const plain = await t.app.inject('/person?limit=5');
    const busted = await t.app.inject('/person?limit=5&_=1732960000000&sort=name');
    expect(busted.statusCode).toBe(200);
    expect(busted.json()).toEqual(plain.json());
    expect((await t.app.inject('/person/p002?_=123')).statusCode).toBe(200);
  });

  it('treats an empty ?id= as absent, as the original did: the list', async () => {
    const res = await t.app.inject('/person?id=');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual((await t.app.inject('/person')).json());
  });

  it('answers PATCH and OPTIONS with 405 and the Allow header, and changes nothing', async () => {
    const before = await persons().find().sort({ _id: 1 }).toArray();
    const patch = await t.app.inject({ method: 'PATCH', url: '/person/p002', payload: { name: 'Patched' } });
    expect(patch.statusCode).toBe(405);
    expect(patch.headers.allow).toBe('DELETE, GET, HEAD, POST, PUT');
    expect(patch.json()).toMatchObject({
      status: 405,
      error: 'Method PATCH is not allowed on /person/p002; allowed: DELETE, GET, HEAD, POST, PUT',
    });
    const options = await t.app.inject({ method: 'OPTIONS', url: '/person' });
    expect(options.statusCode).toBe(405);
    expect(options.headers.allow).toBe('GET, HEAD');
    expect(options.headers['access-control-allow-origin']).toBeUndefined(); // no CORS is configured
    expect((await t.app.inject({ method: 'PATCH', url: '/nowhere' })).statusCode).toBe(404);
    expect(await persons().find().sort({ _id: 1 }).toArray()).toEqual(before);
  });

  it('returns at most 100 persons without a limit, with a Link to the rest, as the contract says', async () => {
    const stored = await persons().countDocuments();
    expect(stored).toBeGreaterThan(100);
    const first = await t.app.inject('/person');
    expect(first.json()).toHaveLength(100);
    const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.link as string)?.[1];
    expect(next).toMatch(/^\/person\?limit=100&after=[0-9a-f]{24}$/);
    const rest = await t.app.inject(next as string);
    expect(rest.json()).toHaveLength(stored - 100);
    const index = (await t.app.inject('/')).json() as { endpoints: Record<string, string> };
    expect(index.endpoints['GET /person']).toMatch(/at most 100 per response/);
  });
});
