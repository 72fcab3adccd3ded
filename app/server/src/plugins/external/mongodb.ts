import { setTimeout as sleep } from 'node:timers/promises';
import fp from 'fastify-plugin';
import { type Db, MongoClient } from 'mongodb';

declare module 'fastify' {
  interface FastifyInstance {
    mongo: { client: MongoClient; db: Db; ping(): Promise<boolean> };
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
}

/**
 * The MongoDB client. The server starts without waiting for it, so it answers /health (and 503s) while MongoDB
 * is down. Once connected, the driver rides out outages by itself; the first connection is the exception: when
 * it fails, the driver closes the client for good, so it is retried here until it succeeds.
 */
export default fp<MongoPluginOptions>(
  async (app, { uri, database, timeoutMs, operationTimeoutMs }) => {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: operationTimeoutMs,
      waitQueueTimeoutMS: operationTimeoutMs,
      appName: 'crm-app',
    });
    const db = client.db(database);
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

    async function ping(): Promise<boolean> {
      try {
        await db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    }

    app.decorate('mongo', { client, db, ping });
    app.addHook('onReady', async () => {
      void connectUntilUp();
    });
    app.addHook('onClose', async () => {
      closing.abort();
      await client.close();
    });
  },
  { name: 'mongodb' },
);
