import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { findFerretDb, freePort, startFerretDb } from '../dev/mongo.js';
import { freshDatabaseUri, mongoServerUri } from './helpers.js';
import { startBundle } from './processes.js';

describe.skipIf(!mongoServerUri)('process: graceful shutdown', () => {
  it('finishes an in-flight request after SIGTERM, drains, then refuses connections and exits 0', async () => {
    const server = await startBundle({ MONGO_URI: freshDatabaseUri(), SHUTDOWN_TIMEOUT_MS: '10000' });
    const { port } = new URL(server.url);
    const body = JSON.stringify({ name: 'Slow Upload', notes: 'sent in two halves' });

    // The request is in flight: headers and half the body are sent, the rest follows after SIGTERM.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/person/in-flight',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(async () => {
        server.child.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 300));
        // While that request is in flight the server drains: a late request is still answered, and told to close
        // its connection; /ready takes the instance out of the Service.
        try {
          const late = await fetch(`${server.url}/health`);
          expect(late.status).toBe(200);
          expect(late.headers.get('connection')).toBe('close');
          expect((await fetch(`${server.url}/ready`)).status).toBe(503);
        } catch (error) {
          reject(error);
        }
        req.end(body.slice(10));
      }, 300);
    });

    const result = await response;
    const responded = Date.now();
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({
      message: 'Person added successfully',
      person_id: 'in-flight',
    });
    expect(await server.exit).toBe(0);
    expect(Date.now() - responded).toBeLessThan(8000); // the drain ends once requests stop arriving
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    expect(server.logs.some((l) => l.message === 'SIGTERM received, shutting down')).toBe(true);
  });

  it('writes a lone access line promptly although stdout is written in batches, and the rest at exit', async () => {
    const server = await startBundle({ MONGO_URI: freshDatabaseUri() });
    // A failed expectation must not leave the server running.
    onTestFinished(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    });
    const line = (id: string) => server.logs.find((l) => l['http.request.id'] === id);
    await fetch(`${server.url}/person/nobody`, { headers: { 'x-correlation-id': 'lone-1' } });
    // Far below a batch: only the periodic flush (every 200 ms) writes it while the process runs.
    for (let waited = 0; !line('lone-1') && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(line('lone-1')).toMatchObject({ 'http.response.status_code': 404 });
    // Nothing buffered is lost at shutdown: the line of the last request and the shutdown's own lines.
    await fetch(`${server.url}/person/nobody`, { headers: { 'x-correlation-id': 'last-1' } });
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    const stdout = server.child.stdout;
    if (stdout && !stdout.readableEnded) await new Promise((resolve) => stdout.once('end', resolve));
    expect(line('last-1')).toMatchObject({ 'http.response.status_code': 404 });
    expect(server.logs.some((l) => l.message === 'SIGTERM received, shutting down')).toBe(true);
  });

  it('exits 0 promptly on SIGINT when idle', async () => {
    const server = await startBundle({ MONGO_URI: freshDatabaseUri() });
    const started = Date.now();
    server.child.kill('SIGINT');
    expect(await server.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('exits non-zero with a message naming a bad variable', async () => {
    await expect(startBundle({ MONGO_URI: freshDatabaseUri(), PORT: 'eighty' })).rejects.toThrow(
      /Invalid configuration: PORT must be an integer/,
    );
  });
});

/** Polls /ready until it answers 200 or the time is up; returns the last status. */
async function readyStatusWithin(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline && status !== 200) {
    status = (await fetch(`${url}/ready`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

// Needs a database this test may stop and restart: a FerretDB process of its own.
const ferretdb = findFerretDb();
describe.skipIf(!ferretdb && process.env.CI !== 'true')(
  'process: MongoDB outage under a running server',
  () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    it('reports not ready while MongoDB is down and recovers by itself when it returns', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'crm-outage-'));
      dirs.push(dataDir);
      const port = await freePort();
      let db = await startFerretDb({ port, dataDir });
      const server = await startBundle({
        MONGO_URI: `mongodb://127.0.0.1:${port}/crm_db`,
        MONGO_TIMEOUT_MS: '500',
      });
      try {
        expect((await fetch(`${server.url}/ready`)).status).toBe(200);
        expect(
          (
            await fetch(`${server.url}/person/before`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{"name":"Before"}',
            })
          ).status,
        ).toBe(201);

        await db.stop();
        const ready = await fetch(`${server.url}/ready`);
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as { error: string }).error).toMatch(/^Database unavailable/);
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        expect((await fetch(`${server.url}/person/before`)).status).toBe(503);

        db = await startFerretDb({ port, dataDir });
        expect(await readyStatusWithin(server.url, 15_000)).toBe(200);
        const person = await fetch(`${server.url}/person/before`);
        expect(person.status).toBe(200);
        expect(((await person.json()) as { name: string }).name).toBe('Before');
        expect(server.child.exitCode).toBeNull(); // recovered without a restart
      } finally {
        await server.stop();
        await db.stop();
      }
    });

    it('starts while MongoDB is down and becomes ready by itself when it comes up', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'crm-late-db-'));
      dirs.push(dataDir);
      const port = await freePort();
      const server = await startBundle({
        MONGO_URI: `mongodb://127.0.0.1:${port}/crm_db`,
        MONGO_TIMEOUT_MS: '300',
      });
      let db: Awaited<ReturnType<typeof startFerretDb>> | undefined;
      try {
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
        expect((await fetch(`${server.url}/ready`)).status).toBe(503);
        expect((await fetch(`${server.url}/person`)).status).toBe(503);
        await new Promise((r) => setTimeout(r, 1000)); // several failed connection attempts

        db = await startFerretDb({ port, dataDir });
        expect(await readyStatusWithin(server.url, 15_000)).toBe(200);
        const post = (name: string) =>
          fetch(`${server.url}/person/late`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name }),
          });
        expect((await post('Late')).status).toBe(201);
        expect((await post('Again')).status).toBe(409); // the unique index was created once MongoDB answered
        expect(
          server.logs.some((l) => l.message === 'MongoDB unreachable at start; retrying until it answers'),
        ).toBe(true);
      } finally {
        await server.stop();
        await db?.stop();
      }
    });
  },
);
