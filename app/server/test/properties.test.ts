import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { WRITABLE_FIELDS } from '../src/schemas/person.js';
import { buildTestApp, describeWithDb, type TestApp } from './helpers.js';

/**
 * Generated hostile input: whatever arrives, the answer is a 4xx in the problem shape (never a 5xx) and a
 * rejected request leaves the stored data exactly as it was.
 */
describeWithDb('property: bad input never causes a 5xx or a write', () => {
  let t: TestApp;
  let snapshot: () => Promise<unknown[]>;
  beforeAll(async () => {
    t = await buildTestApp({ RATE_LIMIT_MAX: '1000000', BODY_LIMIT_BYTES: '4096' });
    for (const id of ['alpha', 'beta']) {
      expect(
        (await t.app.inject({ method: 'POST', url: `/person/${id}`, payload: { name: id, tags: ['seed'] } }))
          .statusCode,
      ).toBe(201);
    }
    snapshot = () => t.db.db().collection('persons').find().sort({ _id: 1 }).toArray();
  });

  const forbiddenKey = fc.oneof(
    fc.constantFrom(
      '_id',
      'person_id',
      'created_at',
      'updated_at',
      '$set',
      '$where',
      '$gt',
      'a.b',
      '.x',
      '__proto__',
      'constructor',
    ),
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !WRITABLE_FIELDS.includes(k)),
    fc.string({ maxLength: 10 }).map((k) => `$${k}`),
    fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })).map(([a, b]) => `${a}.${b}`),
  );
  const wrongValue = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.double(),
    fc.object(),
    // Not empty: [] is a valid tags list.
    fc.array(fc.integer(), { minLength: 1 }),
  );
  // One character over each field's documented limit.
  const tooLong: Record<string, number> = {
    name: 201,
    email: 255,
    phone: 33,
    company: 201,
    title: 201,
    address: 501,
    notes: 5001,
  };
  const badBody = fc.oneof(
    // A valid-looking person plus one forbidden or unknown key.
    fc.tuple(forbiddenKey, fc.jsonValue()).map(([key, value]) => JSON.stringify({ name: 'x', [key]: value })),
    // A known field with a value of the wrong type or size.
    fc
      .tuple(fc.constantFrom(...WRITABLE_FIELDS), wrongValue)
      .map(([key, value]) => JSON.stringify({ name: 'ok', [key]: value })),
    fc
      .constantFrom(...Object.keys(tooLong))
      .map((key) => JSON.stringify({ name: 'ok', [key]: 'x'.repeat(tooLong[key] ?? 0) })),
    // Not an object at all.
    fc
      .oneof(
        fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.array(fc.jsonValue()),
      )
      .map((v) => JSON.stringify(v)),
    // Not JSON.
    fc.string().filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
    // Too large.
    fc.integer({ min: 4100, max: 20_000 }).map((n) => JSON.stringify({ name: 'x', notes: 'n'.repeat(n) })),
  );

  const expectRejected = async (
    res: { statusCode: number; json(): { status?: number; error?: string } },
    label: string,
  ) => {
    expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, label).toBeLessThan(500);
    expect(res.json().status, label).toBe(res.statusCode);
    expect(res.json().error, label).toEqual(expect.any(String));
  };

  it('rejects 1,000 generated bad bodies on POST and PUT', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(
        badBody,
        fc.constantFrom('POST', 'PUT'),
        fc.constantFrom('alpha', 'fresh'),
        async (payload, method, id) => {
          const res = await t.app.inject({
            method: method as 'POST' | 'PUT',
            url: `/person/${id}`,
            payload,
            headers: { 'content-type': 'application/json' },
          });
          await expectRejected(res, `${method} ${payload.slice(0, 80)}`);
        },
      ),
      { numRuns: 1000 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it('rejects 500 generated bad path ids on every method', async () => {
    const before = await snapshot();
    const badId = fc.oneof(
      fc.string({ minLength: 65, maxLength: 100 }).map((s) => s.replace(/[^A-Za-z0-9]/g, 'a')),
      fc
        .string({ minLength: 1, maxLength: 30 })
        .filter(
          (s) => /[^A-Za-z0-9_.~-]/.test(s) && !s.includes('/') && !s.includes('?') && !s.includes('#'),
        ),
    );
    await fc.assert(
      fc.asyncProperty(badId, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), async (id, method) => {
        const res = await t.app.inject({
          method: method as 'GET',
          url: `/person/${encodeURIComponent(id)}`,
          ...(method === 'POST' || method === 'PUT' ? { payload: { name: 'x' } } : {}),
        });
        // "." and ".." are normalised away by URL parsing and end up on other routes: still never a 5xx.
        expect(res.statusCode, id).toBeLessThan(500);
        if (res.statusCode !== 404) await expectRejected(res, id);
      }),
      { numRuns: 500 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it('rejects 500 generated bad queries on GET /person', async () => {
    const before = await snapshot();
    const badQuery = fc.oneof(
      fc
        .string({ minLength: 1 })
        .filter((s) => !/^[0-9a-f]{24}$/i.test(s))
        .map((s) => `id=${encodeURIComponent(s)}`),
      fc
        .oneof(
          fc.integer({ max: 0 }),
          fc.integer({ min: 1001 }),
          fc.double(),
          fc.string({ minLength: 1 }).filter((s) => !/^\d+$/.test(s)),
        )
        .map((v) => `limit=${encodeURIComponent(String(v))}`),
      fc
        .string()
        .filter((s) => !/^[0-9a-f]{24}$/i.test(s))
        .map((s) => `after=${encodeURIComponent(s)}`),
    );
    await fc.assert(
      fc.asyncProperty(badQuery, async (query) => {
        const res = await t.app.inject({ method: 'GET', url: `/person?${query}` });
        await expectRejected(res, query);
      }),
      { numRuns: 500 },
    );
    expect(await snapshot()).toEqual(before);
  });
});
