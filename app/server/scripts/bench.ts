/**
 * `pnpm bench`: the production bundle on the test database, driven by autocannon over loopback.
 * Prints requests/s, p50/p99 latency and error counts per scenario. Figures, not pass/fail: run it on a quiet
 * machine and compare runs on the same machine.
 *
 *   BENCH_DURATION=10 (seconds per scenario)   BENCH_CONNECTIONS=50
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { databaseUri, freePort, startMongo } from '../dev/mongo.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SEEDED = 500;

const workDir = mkdtempSync(join(tmpdir(), 'crm-bench-'));
const bundleDir = join(workDir, 'server');
execFileSync('bash', [resolve(import.meta.dirname, '../../../scripts/bundle-server.sh'), bundleDir], {
  stdio: 'ignore',
});

const mongo = await startMongo((line) => console.log(line));
const port = await freePort();
const server = spawn(process.execPath, ['dist/server.js'], {
  cwd: bundleDir,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    MONGO_URI: databaseUri(mongo.uri, `crm_bench_${Date.now()}`),
    LOG_LEVEL: 'warn', // the benchmark measures the API, not the terminal
    RATE_LIMIT_MAX: '1000000',
  },
});
const url = `http://127.0.0.1:${port}`;

async function waitUntilReady(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not become ready');
}

interface Scenario {
  name: string;
  options: autocannon.Options;
}

let created = 0;
const scenarios: Scenario[] = [
  { name: 'GET /health', options: { url: `${url}/health` } },
  { name: 'GET /person/:id', options: { url: `${url}/person/seed-42` } },
  { name: 'GET /person?limit=100', options: { url: `${url}/person?limit=100` } },
  {
    name: 'POST /person/:id',
    options: {
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
    },
  },
];

try {
  await waitUntilReady();
  for (let i = 0; i < SEEDED; i++) {
    const res = await fetch(`${url}/person/seed-${i}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Seed ${i}`, email: `seed${i}@example.com`, tags: ['bench'] }),
    });
    if (res.status !== 201) throw new Error(`seeding failed: ${res.status}`);
  }
  console.log(
    `CRM API bench: ${mongo.source}, ${SEEDED} persons, ${connections} connections, ${duration}s per scenario\n`,
  );
  const rows = [];
  for (const scenario of scenarios) {
    const result = await autocannon({ ...scenario.options, connections, duration });
    rows.push({
      scenario: scenario.name,
      'req/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      requests: result.requests.total,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    });
  }
  console.table(rows);
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await mongo.stop();
  rmSync(workDir, { recursive: true, force: true });
}
