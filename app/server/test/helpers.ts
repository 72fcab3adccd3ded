import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { MongoClient } from 'mongodb';
import { afterAll, describe, inject } from 'vitest';
import { databaseUri } from '../dev/mongo.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const mongoServerUri = inject('mongoUri');

/** describe() for suites that need the database; skipped (with the setup's message) when there is none. */
export const describeWithDb = mongoServerUri ? describe : describe.skip;

/** A database of its own for each suite, so suites run in parallel without seeing each other's data. */
export function freshDatabaseUri(): string {
  if (!mongoServerUri) throw new Error('no test MongoDB');
  return databaseUri(mongoServerUri, `crm_test_${randomUUID().slice(0, 8)}`);
}

/** A database as the original service left it: duplicates of person_id, so the unique index cannot be built. */
export async function legacyDatabase(): Promise<string> {
  const uri = freshDatabaseUri();
  const seed = new MongoClient(uri);
  await seed
    .db()
    .collection('persons')
    .insertMany([
      { person_id: 'twin', name: 'Twin A' },
      { person_id: 'twin', name: 'Twin B' },
    ]);
  await seed.close();
  return uri;
}

export type LogLine = Record<string, unknown>;

export interface TestApp {
  app: FastifyInstance;
  logs: LogLine[];
  uri: string;
  /** Direct access to the suite's database, to check what a request did or did not write. */
  db: MongoClient;
}

/** The real app on a fresh database, with every log line captured as parsed JSON. */
export async function buildTestApp(
  env: Record<string, string> = {},
  extend?: (app: FastifyInstance) => void,
): Promise<TestApp> {
  const uri = env.MONGO_URI ?? freshDatabaseUri();
  const logs: LogLine[] = [];
  const stream = new PassThrough();
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) logs.push(JSON.parse(line) as LogLine);
  });
  const config = loadConfig({ LOG_LEVEL: 'info', ...env, MONGO_URI: uri });
  const app = await buildApp(config, { logStream: stream });
  extend?.(app);
  await app.ready();
  const db = new MongoClient(uri, { serverSelectionTimeoutMS: 2000 });
  afterAll(async () => {
    await app.close();
    await db
      .db()
      .dropDatabase()
      .catch(() => {});
    await db.close();
  });
  return { app, logs, uri, db };
}
