import { ObjectId } from 'mongodb';
import { beforeAll, expect, it } from 'vitest';
import { buildTestApp, describeWithDb, legacyDatabase, type TestApp } from './helpers.js';

const statuses = (responses: Array<{ statusCode: number }>) =>
  responses.map((r) => r.statusCode).sort((a, b) => a - b);

describeWithDb('integrity: creates are atomic whatever the collection holds', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp({
      MONGO_URI: await legacyDatabase(),
      SHUTDOWN_TIMEOUT_MS: '80000',
      MONGO_OPERATION_TIMEOUT_MS: '10000',
    });
  });

  it('50 parallel POSTs of one new id on a collection with duplicates: one 201, 49 409, one stored', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.app.inject({ method: 'POST', url: '/person/contested', payload: { name: `Racer ${i}` } }),
      ),
    );
    expect(statuses(results)).toEqual([201, ...Array<number>(49).fill(409)]);
    expect(await t.db.db().collection('persons').countDocuments({ person_id: 'contested' })).toBe(1);
    expect(t.logs.some((l) => String(l.message).startsWith('persons holds duplicate person_id values'))).toBe(
      true,
    );
  });

  it('still refuses a stored id, and creates again an id that was deleted', async () => {
    const post = (id: string) =>
      t.app.inject({ method: 'POST', url: `/person/${id}`, payload: { name: 'Again' } });
    expect((await post('twin')).statusCode).toBe(409);
    expect((await post('contested')).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'DELETE', url: '/person/contested' })).statusCode).toBe(200);
    expect((await post('contested')).statusCode).toBe(201);
    expect(await t.db.db().collection('persons').countDocuments({ person_id: 'twin' })).toBe(2);
  });

  it('takes over a claim left by a create that failed before its insert, once it is stale', async () => {
    const claims = t.db.db().collection<{ _id: string; claimed_at: Date }>('person_id_claims');
    await claims.insertOne({ _id: 'orphan', claimed_at: new Date() });
    const post = () => t.app.inject({ method: 'POST', url: '/person/orphan', payload: { name: 'Orphan' } });
    expect((await post()).statusCode).toBe(409); // a fresh claim may belong to a create still in flight
    await claims.updateOne({ _id: 'orphan' }, { $set: { claimed_at: new Date(Date.now() - 120_000) } });
    expect((await post()).statusCode).toBe(201);
  });
});

describeWithDb('integrity: change detection is atomic', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Twenty updates of one person queue for its lock; on a busy machine that may take a while.
    t = await buildTestApp({ SHUTDOWN_TIMEOUT_MS: '80000', MONGO_OPERATION_TIMEOUT_MS: '10000' });
    expect(
      (await t.app.inject({ method: 'POST', url: '/person/same', payload: { name: 'Same' } })).statusCode,
    ).toBe(201);
  });

  it('20 parallel identical PUTs: one "updated", 19 "No changes made", the metric counts one', async () => {
    const payload = { phone: '+1 555 0100', tags: ['a', 'b'] };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.app.inject({ method: 'PUT', url: '/person/same', payload })),
    );
    expect(statuses(results)).toEqual(Array<number>(20).fill(200));
    const messages = results.map((r) => (r.json() as { message: string }).message);
    expect(messages.filter((m) => m === 'Person updated successfully')).toHaveLength(1);
    expect(messages.filter((m) => m === 'No changes made')).toHaveLength(19);
    const metrics = (await t.app.inject('/metrics')).body;
    expect(metrics).toMatch(/^crm_persons_updated_total 1$/m);
  });

  it('counts a change of one field among equal ones, and not a repeat of it', async () => {
    const put = (payload: object) => t.app.inject({ method: 'PUT', url: '/person/same', payload });
    expect((await put({ phone: '+1 555 0100', tags: ['b', 'a'] })).json().message).toBe(
      'Person updated successfully',
    );
    expect((await put({ tags: ['b', 'a'] })).json().message).toBe('No changes made');
    expect((await put({ notes: 'new' })).json().message).toBe('Person updated successfully');
  });
});

describeWithDb('integrity: legacy documents stay reachable', () => {
  let t: TestApp;
  const legacyIds = ['ada@example.com', 'Ada Lovelace', 'Zoë Ünal', 'x'.repeat(80), 'a/b'];
  beforeAll(async () => {
    t = await buildTestApp();
    await t.db
      .db()
      .collection('persons')
      .insertMany(legacyIds.map((person_id) => ({ person_id, name: `Legacy ${person_id.slice(0, 10)}` })));
  });

  it('reads, updates and deletes every stored id the strict pattern refuses', async () => {
    for (const id of legacyIds) {
      const url = `/person/${encodeURIComponent(id)}`;
      const read = await t.app.inject({ method: 'GET', url });
      expect(read.statusCode, id).toBe(200);
      expect(read.json().person_id).toBe(id);
      const put = await t.app.inject({ method: 'PUT', url, payload: { notes: 'reached' } });
      expect(put.json(), id).toMatchObject({ message: 'Person updated successfully', person_id: id });
      expect((await t.app.inject({ method: 'DELETE', url })).statusCode, id).toBe(200);
      expect((await t.app.inject({ method: 'GET', url })).statusCode, id).toBe(404);
    }
  });

  it('keeps the strict pattern for new ids', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/person/${encodeURIComponent('new@example.com')}`,
      payload: { name: 'New' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/params.personId must match pattern/);
    expect(await t.db.db().collection('persons').countDocuments({ person_id: 'new@example.com' })).toBe(0);
  });

  it('bounds the length of an addressed id', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/person/${'y'.repeat(257)}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/must NOT have more than 256 characters/);
  });
});

describeWithDb('integrity: the cursor works for every _id type stored', () => {
  let t: TestApp;
  const ids: unknown[] = [
    42,
    7.5,
    'custom-id',
    '0123456789abcdef01234567', // a string that looks like an ObjectId
    { region: 'eu', n: 1 },
    new ObjectId(),
    new ObjectId(),
    true,
    new Date('2020-01-01T00:00:00Z'),
  ];
  beforeAll(async () => {
    t = await buildTestApp();
    await t.db
      .db()
      .collection('persons')
      .insertMany(ids.map((_id, i) => ({ _id: _id as never, person_id: `typed-${i}`, name: `Typed ${i}` })));
  });

  it('walks one person per page through the Link header and sees each once', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/person?limit=1';
    for (let pages = 0; url && pages < 50; pages++) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      seen.push(...(res.json() as Array<{ person_id: string }>).map((p) => p.person_id));
      const link = res.headers.link as string | undefined;
      url = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(seen.sort()).toEqual(ids.map((_, i) => `typed-${i}`).sort());
  });

  it('answers a forged cursor with 400', async () => {
    for (const after of ['~not-base64-json', '~e30', 'custom-id']) {
      const res = await t.app.inject({ method: 'GET', url: `/person?after=${after}` });
      expect(res.statusCode, after).toBe(400);
      expect(res.json().error).toMatch(/^after must be a cursor from a Link header/);
    }
  });
});
