/**
 * `pnpm bench`: the production bundle and a bare baseline (scripts/baseline.ts: the same routes on bare Fastify and
 * the raw driver) on one test database server, each driven in turn by autocannon over loopback. Prints, per
 * scenario, requests/s, p50/p99 latency and error counts of both and the service's share of the baseline's
 * throughput. Figures, not pass/fail: run it on a quiet machine and compare runs on the same machine.
 *
 *   BENCH_DURATION=10 (seconds per scenario and server)   BENCH_CONNECTIONS=20
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { databaseUri, freePort, startMongo } from '../dev/mongo.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SEEDED = 500;

const workDir = mkdtempSync(join(tmpdir(), 'crm-bench-'));
const bundleDir = join(workDir, 'server');
execFileSync('bash', [resolve(import.meta.dirname, '../../../scripts/bundle-server.sh'), bundleDir], {
  stdio: 'ignore',
});

const mongo = await startMongo((line) => console.log(line));
const stamp = Date.now();

function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return spawn(command, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env },
  });
}

const ourPort = await freePort();
const ours = startProcess(process.execPath, ['dist/server.js'], bundleDir, {
  PORT: String(ourPort),
  MONGO_URI: databaseUri(mongo.uri, `crm_bench_${stamp}`),
  LOG_LEVEL: 'info', // as in production: one access line per request is part of the cost
  RATE_LIMIT_MAX: '1000000',
});
const barePort = await freePort();
const bare = startProcess(
  resolve(import.meta.dirname, '../node_modules/.bin/tsx'),
  ['scripts/baseline.ts'],
  resolve(import.meta.dirname, '..'),
  { PORT: String(barePort), MONGO_URI: databaseUri(mongo.uri, `crm_bench_bare_${stamp}`) },
);
const servers = [
  { name: 'service', url: `http://127.0.0.1:${ourPort}`, ready: '/ready' },
  { name: 'bare', url: `http://127.0.0.1:${barePort}`, ready: '/health' },
];

async function waitUntilReady(url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer`);
}

interface Scenario {
  name: string;
  options: (url: string) => autocannon.Options;
}

let created = 0;
const scenarios: Scenario[] = [
  { name: 'GET /health', options: (url) => ({ url: `${url}/health` }) },
  { name: 'GET /person/:id', options: (url) => ({ url: `${url}/person/seed-42` }) },
  { name: 'GET /person?limit=100', options: (url) => ({ url: `${url}/person?limit=100` }) },
  {
    name: 'POST /person/:id',
    options: (url) => ({
      url,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({
            ...request,
            path: `/person/bench-${process.pid}-${created++}`,
            body: JSON.stringify({ name: 'Bench Person', email: 'bench@example.com', phone: '+1 555 0100' }),
          }),
        },
      ],
    }),
  },
];

try {
  for (const server of servers) {
    await waitUntilReady(`${server.url}${server.ready}`);
    for (let i = 0; i < SEEDED; i++) {
      const res = await fetch(`${server.url}/person/seed-${i}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Seed ${i}`, email: `seed${i}@example.com`, tags: ['bench'] }),
      });
      if (res.status !== 201) throw new Error(`seeding ${server.name} failed: ${res.status}`);
    }
  }
  console.log(
    `CRM API bench: ${mongo.source}, ${SEEDED} persons, ${connections} connections, ${duration}s per scenario and server\n`,
  );
  const rows = [];
  for (const scenario of scenarios) {
    const results: autocannon.Result[] = [];
    for (const server of servers) {
      results.push(await autocannon({ ...scenario.options(server.url), connections, duration }));
    }
    const [mine, theirs] = results as [autocannon.Result, autocannon.Result];
    rows.push({
      scenario: scenario.name,
      'req/s': Math.round(mine.requests.average),
      'bare req/s': Math.round(theirs.requests.average),
      share: `${Math.round((100 * mine.requests.average) / theirs.requests.average)} %`,
      'p99 ms': mine.latency.p99,
      'bare p99 ms': theirs.latency.p99,
      'p50 ms': mine.latency.p50,
      'bare p50 ms': theirs.latency.p50,
      errors: mine.errors + mine.timeouts + theirs.errors + theirs.timeouts,
      non2xx: mine.non2xx + theirs.non2xx,
    });
  }
  console.table(rows);
} finally {
  for (const child of [ours, bare]) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await mongo.stop();
  rmSync(workDir, { recursive: true, force: true });
}
