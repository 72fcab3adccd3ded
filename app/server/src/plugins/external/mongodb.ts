import fp from 'fastify-plugin';
import { type Db, MongoClient } from 'mongodb';

declare module 'fastify' {
  interface FastifyInstance {
    mongo: { client: MongoClient; db: Db; ping(): Promise<boolean> };
  }
}

export interface MongoPluginOptions {
  uri: string;
  /** How long an operation waits for a reachable server; bounds every request while MongoDB is down. */
  timeoutMs: number;
}

/**
 * The MongoDB client. It is not connected here: the driver connects on first use and reconnects by itself,
 * so the service starts while MongoDB is down and recovers when it returns, without a restart.
 */
export default fp<MongoPluginOptions>(
  async (app, { uri, timeoutMs }) => {
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      appName: 'crm-app',
    });
    const db = client.db(); // the database named in the URI; the driver defaults to "test", the URI sets crm_db

    async function ping(): Promise<boolean> {
      try {
        await db.command({ ping: 1 });
        return true;
      } catch {
        return false;
      }
    }

    app.decorate('mongo', { client, db, ping });
    app.addHook('onClose', async () => {
      await client.close();
    });
  },
  { name: 'mongodb' },
);
