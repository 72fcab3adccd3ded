import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFerretDb, freePort, startFerretDb } from '../dev/mongo.js';
import { type RunningServer, startBundle } from './processes.js';
import { startTcpProxy } from './tcp-proxy.js';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** One HTTP request on the given agent; resolves with the answer or rejects with the socket error (a reset). */
function send(agent: Agent, url: string, method = 'GET', payload?: object): Promise<Answer> {
  const body = payload === undefined ? undefined : JSON.stringify(payload);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const keepAlive = () => new Agent({ keepAlive: true, maxSockets: 1 });

/** Polls /ready until it answers 200; returns the last status. */
async function readyWithin(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline && status !== 200) {
    status = await fetch(`${url}/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

const ferretdb = findFerretDb();

// Each test has a FerretDB of its own, reached through a loopback proxy that can slow, stall or cut it.
describe.skipIf(!ferretdb && process.env.CI !== 'true')('process: a slow, silent or dying database', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  async function setup(env: Record<string, string> = {}) {
    const dataDir = await mkdtemp(join(tmpdir(), 'crm-resilience-'));
    const dbPort = await freePort();
    const db = await startFerretDb({ port: dbPort, dataDir });
    const proxy = await startTcpProxy(dbPort);
    const server = await startBundle({
      MONGO_URI: `mongodb://127.0.0.1:${proxy.port}/crm_db`,
      MONGO_TIMEOUT_MS: '1000',
      MONGO_OPERATION_TIMEOUT_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '8000',
      RATE_LIMIT_MAX: '100000',
      ...env,
    });
    const state = { db };
    cleanups.push(
      async () => rm(dataDir, { recursive: true, force: true }),
      async () => state.db.stop(),
      async () => proxy.close(),
      async () => server.stop(),
    );
    expect(await readyWithin(server.url, 15_000)).toBe(200);
    return { server, proxy, state, dataDir, dbPort };
  }

  const post = (server: RunningServer, id: string) =>
    fetch(`${server.url}/person/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Person ${id}` }),
    });

  it('answers 503 within the operation bound while the database is slow, then serves again', async () => {
    const { server, proxy } = await setup();
    expect((await post(server, 'before')).status).toBe(201);

    proxy.slowQueries(30_000);
    const started = Date.now();
    const answers = await Promise.all([
      fetch(`${server.url}/person/before`),
      fetch(`${server.url}/person`),
      fetch(`${server.url}/person/before`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"notes":"x"}',
      }),
      post(server, 'during'),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { error: string }).error).toMatch(/^Database unavailable/);
    }
    // Bounded by MONGO_OPERATION_TIMEOUT_MS (1 s) per operation, not by the 30 s the database takes.
    expect(Date.now() - started).toBeLessThan(15_000);

    proxy.slowQueries(0);
    expect(await readyWithin(server.url, 15_000)).toBe(200);
    expect((await fetch(`${server.url}/person/before`)).status).toBe(200);
    expect(server.logs.filter((l) => l['http.response.status_code'] === 500)).toEqual([]);
  });

  it('queues the requests beyond MONGO_MAX_POOL_SIZE instead of opening more connections to the database', async () => {
    const pool = 3;
    const { server, proxy } = await setup({
      MONGO_MAX_POOL_SIZE: String(pool),
      // The last of the queued reads waits behind nine rounds of three; on a busy machine each round may take a few
      // hundred ms.
      SHUTDOWN_TIMEOUT_MS: '80000',
      MONGO_OPERATION_TIMEOUT_MS: '10000',
    });
    expect((await post(server, 'queued')).status).toBe(201);

    // 30 reads at once, each held 100 ms by the database: ten times the pool, so most of them wait their turn.
    proxy.slowQueries(100);
    proxy.resetPeak();
    const answers = await Promise.all(Array.from({ length: 30 }, () => fetch(`${server.url}/person/queued`)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
    // The pool's connections, plus the driver's own for monitoring (heartbeats, and round-trip times).
    expect(proxy.peakConnections()).toBeLessThanOrEqual(pool + 2);
  });

  it('answers 503 while the database is reachable but silent, then recovers', async () => {
    const { server, proxy } = await setup();
    proxy.stall();
    const answer = await fetch(`${server.url}/person/anyone`);
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: string }).error).toMatch(/^Database unavailable/);
    proxy.resume();
    expect(await readyWithin(server.url, 20_000)).toBe(200);
    expect((await fetch(`${server.url}/person/anyone`)).status).toBe(404);
  });

  it('maps a database killed mid-write to 503, never 500, loses no acknowledged write, and recovers on restart', async () => {
    const { server, state, dataDir, dbPort } = await setup();
    const statuses: number[] = [];
    const acknowledged: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const id = `w${w}-${i}`;
        const res = await post(server, id);
        statuses.push(res.status);
        if (res.status === 201) acknowledged.push(id);
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    await state.db.kill();
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(writers);

    expect(statuses).toContain(201);
    expect(statuses).toContain(503);
    expect(new Set(statuses)).toEqual(new Set([201, 503]));

    state.db = await startFerretDb({ port: dbPort, dataDir });
    expect(await readyWithin(server.url, 15_000)).toBe(200);
    expect((await post(server, 'after-restart')).status).toBe(201);
    const stored = (await (await fetch(`${server.url}/person?limit=1000`)).json()) as Array<{
      person_id: string;
    }>;
    const storedIds = new Set(stored.map((p) => p.person_id));
    expect(acknowledged.filter((id) => !storedIds.has(id))).toEqual([]);
    expect(server.logs.filter((l) => l['http.response.status_code'] === 500)).toEqual([]);
  });

  it('SIGTERM under 50-connection load: every request answered, exit 0', async () => {
    // A busy machine may make FerretDB slow under this load; the bound here is generous so answers are not 503s.
    const { server } = await setup({ SHUTDOWN_TIMEOUT_MS: '40000', MONGO_OPERATION_TIMEOUT_MS: '5000' });
    const agents = Array.from({ length: 50 }, keepAlive);
    const failures: string[] = [];
    const answered: number[] = [];
    let signalled = false;
    // Each connection keeps sending until an answer says Connection: close, as a client of a load balancer would
    // before it moves to another replica.
    const clients = agents.map(async (agent, c) => {
      for (let i = 0; ; i++) {
        try {
          const answer =
            i % 2 === 0
              ? await send(agent, `${server.url}/person/c${c}-${i}`, 'POST', { name: `C ${c}` })
              : await send(agent, `${server.url}/person/c${c}-${i - 1}`);
          answered.push(answer.status);
          if (answer.connection === 'close') return;
        } catch (error) {
          failures.push(`${c}/${i}: ${(error as Error).message}`);
          return;
        }
        if (i > 400) return; // the server never asked to close: the assertion below reports it
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    server.child.kill('SIGTERM');
    signalled = true;
    await Promise.all(clients);

    expect(signalled).toBe(true);
    expect(failures).toEqual([]);
    expect(answered.length).toBeGreaterThan(50);
    expect(new Set(answered)).toEqual(new Set([200, 201]));
    expect(await server.exit).toBe(0);
    for (const agent of agents) agent.destroy();
  });

  it('SIGTERM while the database is slow: in-flight requests get 503 and the process exits 0 in time', async () => {
    const { server, proxy } = await setup();
    proxy.slowQueries(30_000);
    const agents = Array.from({ length: 50 }, keepAlive);
    const inFlight = agents.map((agent, c) =>
      send(agent, `${server.url}/person/slow-${c}`).catch((error: Error) => error),
    );
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    const code = await server.exit;
    expect(answers.filter((a) => a instanceof Error)).toEqual([]);
    expect(answers.map((a) => (a as Answer).status)).toEqual(Array<number>(50).fill(503));
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(8000); // SHUTDOWN_TIMEOUT_MS, after which it would exit 1
    proxy.slowQueries(0);
    for (const agent of agents) agent.destroy();
  });

  it('serves keep-alive clients that send right after SIGTERM, with Connection: close instead of a reset', async () => {
    const { server } = await setup();
    const agents = Array.from({ length: 50 }, keepAlive);
    const first = await Promise.all(agents.map((agent) => send(agent, `${server.url}/health`)));
    expect(first.every((a) => a.status === 200 && a.connection === 'keep-alive')).toBe(true);

    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const second = await Promise.all(
      agents.map((agent) => send(agent, `${server.url}/health`).catch((error: Error) => error)),
    );
    expect(second.filter((a) => a instanceof Error)).toEqual([]);
    expect(second.map((a) => [(a as Answer).status, (a as Answer).connection])).toEqual(
      Array(50).fill([200, 'close']),
    );
    expect(await server.exit).toBe(0);
    for (const agent of agents) agent.destroy();
  });
});
