import { setTimeout as sleep } from 'node:timers/promises';
import fastifyMongo from '@fastify/mongodb';
import fp from 'fastify-plugin';
import { MongoClient } from 'mongodb';

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether MongoDB answers a ping now (readiness, the crm_mongodb_up gauge). */
    mongoPing(): Promise<boolean>;
  }
}

export interface MongoPluginOptions {
  uri: string;
  database: string;
  /** How long an operation waits for a reachable server; bounds every request while MongoDB is down. */
  timeoutMs: number;
  /**
   * Bounds any one operation: a slow database gives a 503, never a hung request. This driver line ignores
   * `timeoutMS`, so the bound is a reply that takes longer on the socket (socketTimeoutMS), a wait for a pooled
   * connection (waitQueueTimeoutMS), and server selection (timeoutMs).
   */
  operationTimeoutMs: number;
  /**
   * Connections at most (the driver's default is 100). A database with a core or two gains nothing from running
   * more operations at once than it has cores, only contention: past a few, each operation takes longer and the
   * slowest take much longer. With a small pool the extra requests queue here, first come first served, and the
   * database's memory holds a few connections per replica instead of a hundred (mongod spends about 1 MB on each).
   */
  maxPoolSize: number;
}

/**
 * The MongoDB client, shared as `app.mongo` ({ client, db, ObjectId }) by @fastify/mongodb. The plugin is handed a
 * client that is not connected yet: given a URL it would connect during registration and the server would not
 * start while MongoDB is down, whereas this way it starts and answers /health (and 503s) meanwhile. Once
 * connected, the driver rides out outages by itself; the first connection is the exception: when it fails, the
 * driver closes the client for good, so it is retried here until it succeeds.
 */
export default fp<MongoPluginOptions>(
  async (app, { uri, database, timeoutMs, operationTimeoutMs, maxPoolSize }) => {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: operationTimeoutMs,
      waitQueueTimeoutMS: operationTimeoutMs,
      maxPoolSize,
      appName: 'crm-app',
    });
    await app.register(fastifyMongo, { client, database });
    const closing = new AbortController();

    async function connectUntilUp(): Promise<void> {
      for (let attempt = 1; !closing.signal.aborted; attempt++) {
        try {
          await client.connect();
          if (attempt > 1) app.log.info(`connected to MongoDB after ${attempt} attempts`);
          return;
        } catch (error) {
          if (attempt === 1)
            app.log.warn({ err: error }, 'MongoDB unreachable at start; retrying until it answers');
          await sleep(timeoutMs, undefined, { signal: closing.signal }).catch(() => {});
        }
      }
    }

    const admin = client.db(database);
    app.decorate('mongoPing', async () => {
      try {
        await admin.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    });
    app.addHook('onReady', async () => {
      void connectUntilUp();
    });
    // @fastify/mongodb closes only clients it created itself.
    app.addHook('onClose', async () => {
      closing.abort();
      await client.close();
    });
  },
  { name: 'mongodb' },
);
