import { beforeAll, expect, it } from 'vitest';
import { buildTestApp, describeWithDb, legacyDatabase, type TestApp } from './helpers.js';

const original = { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' };

describeWithDb('persons: the original contract', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });

  it('creates with 201 and the original body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/person/ada', payload: original });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      message: 'Person added successfully',
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      person_id: 'ada',
    });
    const stored = await t.db.db().collection('persons').findOne({ person_id: 'ada' });
    expect(stored).toMatchObject({ ...original, person_id: 'ada' });
    expect(stored?._id.toHexString()).toBe(body.id);
  });

  it('reads by person_id, by ObjectId and in the list, with _id as a string', async () => {
    const byPersonId = await t.app.inject({ method: 'GET', url: '/person/ada' });
    expect(byPersonId.statusCode).toBe(200);
    const person = byPersonId.json();
    expect(person).toMatchObject({
      ...original,
      person_id: 'ada',
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(person.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const byObjectId = await t.app.inject({ method: 'GET', url: `/person?id=${person._id}` });
    expect(byObjectId.statusCode).toBe(200);
    expect(byObjectId.json()).toEqual(person);

    const list = await t.app.inject({ method: 'GET', url: '/person' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([person]);
    expect(list.headers.link).toBeUndefined();
  });

  it('answers 404 with the original error for unknown persons', async () => {
    for (const url of ['/person/nobody', '/person?id=0123456789abcdef01234567']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'Person not found', status: 404 });
    }
    for (const method of ['PUT', 'DELETE'] as const) {
      const res = await t.app.inject({
        method,
        url: '/person/nobody',
        payload: method === 'PUT' ? { name: 'x' } : undefined,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('Person not found');
    }
  });

  it('updates: modified_count when something changed, "No changes made" when not', async () => {
    const changed = await t.app.inject({
      method: 'PUT',
      url: '/person/ada',
      payload: { phone: '+44 20 0000 0001' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({
      message: 'Person updated successfully',
      person_id: 'ada',
      modified_count: 1,
    });

    const same = await t.app.inject({
      method: 'PUT',
      url: '/person/ada',
      payload: { phone: '+44 20 0000 0001' },
    });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ message: 'No changes made', person_id: 'ada' });

    const stored = await t.db.db().collection('persons').findOne({ person_id: 'ada' });
    expect(stored).toMatchObject({ ...original, phone: '+44 20 0000 0001' });
  });

  it('keeps the rich contact fields', async () => {
    const full = {
      name: 'Grace Hopper',
      email: 'grace@example.com',
      phone: '(555) 010-0000',
      company: 'US Navy',
      title: 'Rear Admiral',
      address: 'Arlington, VA',
      tags: ['cobol', 'compilers'],
      notes: 'Found the first actual bug.',
    };
    expect((await t.app.inject({ method: 'POST', url: '/person/grace', payload: full })).statusCode).toBe(
      201,
    );
    const res = await t.app.inject({ method: 'GET', url: '/person/grace' });
    expect(res.json()).toMatchObject(full);
    const retag = await t.app.inject({ method: 'PUT', url: '/person/grace', payload: { tags: ['cobol'] } });
    expect(retag.json().modified_count).toBe(1);
  });

  it('deletes with 200, then 404', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/person/grace' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: 'Person deleted successfully', person_id: 'grace' });
    expect((await t.app.inject({ method: 'GET', url: '/person/grace' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/person/grace' })).statusCode).toBe(404);
  });

  it('answers a duplicate POST with 409 and overwrites nothing', async () => {
    const before = await t.db.db().collection('persons').findOne({ person_id: 'ada' });
    const res = await t.app.inject({ method: 'POST', url: '/person/ada', payload: { name: 'Impostor' } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ status: 409, error: "Person with person_id 'ada' already exists" });
    const after = await t.db.db().collection('persons').find({ person_id: 'ada' }).toArray();
    expect(after).toEqual([before]);
  });

  it('keeps person_id unique under concurrent POSTs', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/person/race', payload: { name: `Racer ${i}` } }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await t.db.db().collection('persons').countDocuments({ person_id: 'race' })).toBe(1);
  });
});

describeWithDb('persons: documents written by the original service', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });

  it('reads documents without person_id, with other fields and types, exactly as stored', async () => {
    const persons = t.db.db().collection('persons');
    await persons.insertOne({ name: 'No Id', phone: 5551234, age: 42, tags: 'legacy' });
    await persons.insertOne({
      _id: 'custom-id' as never,
      person_id: 'legacy-1',
      name: 'Custom',
      nested: { a: [1] },
    });
    const res = await t.app.inject('/person');
    expect(res.statusCode).toBe(200);
    const list = res.json() as Array<{ name: string }>;
    const noId = list.find((p) => p.name === 'No Id');
    const custom = list.find((p) => p.name === 'Custom');
    expect(noId).toMatchObject({
      name: 'No Id',
      phone: 5551234,
      age: 42,
      tags: 'legacy',
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(noId).not.toHaveProperty('person_id');
    expect(custom).toEqual({ _id: 'custom-id', person_id: 'legacy-1', name: 'Custom', nested: { a: [1] } });
    expect((await t.app.inject('/person/legacy-1')).json()).toEqual(custom);
  });

  it('keeps creating persons, without duplicates, while stored duplicates block the unique index', async () => {
    // A database as the original left it, before this service ever started on it.
    const blocked = await buildTestApp({ MONGO_URI: await legacyDatabase() });
    const persons = blocked.db.db().collection('persons');
    const post = (id: string, name: string) =>
      blocked.app.inject({ method: 'POST', url: `/person/${id}`, payload: { name } });
    const first = await post('fresh', 'Fresh');
    expect(first.statusCode).toBe(201);
    expect((await post('fresh', 'Again')).statusCode).toBe(409);
    expect((await post('twin', 'Third')).statusCode).toBe(409);
    expect(await persons.countDocuments({ person_id: 'fresh' })).toBe(1);
    expect(await persons.countDocuments({ person_id: 'twin' })).toBe(2);
    expect(
      blocked.logs.some(
        (l) =>
          l['log.level'] === 'error' &&
          String(l.message).startsWith('persons holds duplicate person_id values'),
      ),
    ).toBe(true);
  });
});

describeWithDb('persons: pagination', () => {
  let t: TestApp;
  const total = 25;
  beforeAll(async () => {
    t = await buildTestApp();
    for (let i = 0; i < total; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/person/p${String(i).padStart(2, '0')}`,
        payload: { name: `P ${i}` },
      });
      expect(res.statusCode).toBe(201);
    }
  });

  it('walks every page through the Link header, each person once, in creation order', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/person?limit=10';
    const sizes: number[] = [];
    while (url) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const page = res.json() as Array<{ person_id: string }>;
      sizes.push(page.length);
      seen.push(...page.map((p) => p.person_id));
      const link = res.headers.link as string | undefined;
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => `p${String(i).padStart(2, '0')}`));
  });

  it('gives no next link when the last page is exactly full', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/person?limit=20' });
    const after = /after=([0-9a-f]{24})/.exec(first.headers.link as string)?.[1];
    const last = await t.app.inject({ method: 'GET', url: `/person?limit=5&after=${after}` });
    expect(last.json()).toHaveLength(5);
    expect(last.headers.link).toBeUndefined();
  });

  it('defaults to 100 and caps at 1000', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/person' });
    expect(res.json()).toHaveLength(total);
    expect(res.headers.link).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: '/person?limit=1000' })).statusCode).toBe(200);
    const over = await t.app.inject({ method: 'GET', url: '/person?limit=1001' });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toBe('limit must be an integer from 1 to 1000');
  });

  it('rejects bad limits and cursors with 400', async () => {
    for (const query of [
      'limit=0',
      'limit=-1',
      'limit=abc',
      'limit=1.5',
      'after=nope',
      'after=zzzzzzzzzzzzzzzzzzzzzzzz',
      'id=123&limit=2',
    ]) {
      const res = await t.app.inject({ method: 'GET', url: `/person?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().status).toBe(400);
    }
  });
});
