/**
 * The benchmark's baseline: the same four routes on bare Fastify and the raw MongoDB driver, with nothing else —
 * no logging, validation, metrics, security headers (unless BASELINE_HEADERS gives fixed ones), rate limit or error
 * shape. `pnpm bench` starts it beside the service on the same database server, so the difference is what the
 * service's features cost.
 *
 *   PORT=5001 MONGO_URI=mongodb://127.0.0.1:27017/crm_baseline tsx scripts/baseline.ts
 */
import Fastify from 'fastify';
import { MongoClient, ObjectId } from 'mongodb';

const client = await new MongoClient(
  process.env.MONGO_URI ?? 'mongodb://127.0.0.1:27017/crm_baseline',
).connect();
const persons = client.db().collection('persons');
await persons.createIndex({ person_id: 1 }, { unique: true });

const view = (doc: Record<string, unknown>) => ({
  ...doc,
  _id: doc._id instanceof ObjectId ? doc._id.toHexString() : String(doc._id),
});

const app = Fastify({ logger: false });
// BASELINE_HEADERS (JSON): fixed headers added to every response, as bytes without the features behind them.
const headers = JSON.parse(process.env.BASELINE_HEADERS ?? '{}') as Record<string, string>;
if (Object.keys(headers).length > 0) {
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
app.get('/health', async () => ({ status: 'healthy', service: 'CRM API' }));
app.get('/person', async (request) => {
  const limit = Number((request.query as { limit?: string }).limit ?? 100);
  return (await persons.find().sort({ _id: 1 }).limit(limit).toArray()).map(view);
});
app.get('/person/:personId', async (request, reply) => {
  const doc = await persons.findOne({ person_id: (request.params as { personId: string }).personId });
  return doc ? view(doc) : reply.code(404).send({ error: 'Person not found' });
});
app.post('/person/:personId', async (request, reply) => {
  const { personId } = request.params as { personId: string };
  try {
    const now = new Date();
    const { insertedId } = await persons.insertOne({
      ...(request.body as object),
      person_id: personId,
      created_at: now,
      updated_at: now,
    });
    return reply
      .code(201)
      .send({ message: 'Person added successfully', id: insertedId.toHexString(), person_id: personId });
  } catch {
    return reply.code(409).send({ error: `Person with person_id '${personId}' already exists` });
  }
});

await app.listen({ port: Number(process.env.PORT ?? 5001), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    await app.close();
    await client.close();
    process.exit(0);
  });
}
