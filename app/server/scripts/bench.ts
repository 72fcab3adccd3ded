/**
 * `pnpm bench`: the production bundle and a bare baseline (scripts/baseline.ts: the same routes on bare Fastify and
 * the raw driver) on one test database server, each driven in turn by autocannon over loopback. Prints, per
 * scenario, requests/s, p50/p99 latency (to the hundredth of a millisecond), CPU time per request and error counts
 * of both, and the service's share of the baseline's throughput. Figures, not pass/fail: compare runs on the same
 * machine.
 *
 * A shared machine's load drifts within seconds, so one run of each says little. Each scenario is measured in
 * rounds that alternate which server goes first, after an unmeasured warm-up of both; the table gives the median
 * over the rounds of each figure, and the share is the median of the rounds' own shares (each round compares two
 * runs made one after the other). The load average before and after is printed with the table.
 *
 * Each server answers as fast as it can: with a fixed number of connections, a server that spends more per request
 * also keeps each request waiting longer on average (latency = connections / throughput); the tail also depends
 * on the order in which the waiting requests are served (the service's bounded database pool queues them in order).
 *
 *   BENCH_DURATION=10 (seconds per run)   BENCH_ROUNDS=4   BENCH_WARMUP=3 (seconds)   BENCH_CONNECTIONS=20
 *   BENCH_ONLY=health (scenarios whose name contains it)
 *   MONGO_MAX_POOL_SIZE (passed to the service)
 *   BENCH_BARE_HEADERS=1: the baseline also sends the response headers the service adds (security headers and a
 *   correlation id, as fixed strings), to tell what their bytes cost from what the features behind them cost
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { databaseUri, freePort, startMongo } from '../dev/mongo.js';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const only = process.env.BENCH_ONLY ?? '';
const withHeaders = process.env.BENCH_BARE_HEADERS === '1';
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
  // MONGO_MAX_POOL_SIZE=100 pnpm bench: the service with the driver's default pool, to see what the bound changes.
  ...(process.env.MONGO_MAX_POOL_SIZE ? { MONGO_MAX_POOL_SIZE: process.env.MONGO_MAX_POOL_SIZE } : {}),
});
const ourUrl = `http://127.0.0.1:${ourPort}`;

/** Resolves with the first successful answer. */
async function waitUntilReady(url: string): Promise<Response> {
  for (let i = 0; i < 400; i++) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer`);
}

// The headers the service adds to a JSON response (Node's own left out), for a baseline that sends them too.
const NODE_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
const barePort = await freePort();
function startBare(serviceHealth: Response): ChildProcess {
  const headers = [...serviceHealth.headers].filter(([name]) => !NODE_HEADERS.has(name));
  // Node itself, loading TypeScript through tsx's hook, so that the child is the server (its CPU time is measured).
  return startProcess(
    process.execPath,
    ['--import', 'tsx', 'scripts/baseline.ts'],
    resolve(import.meta.dirname, '..'),
    {
      PORT: String(barePort),
      MONGO_URI: databaseUri(mongo.uri, `crm_bench_bare_${stamp}`),
      ...(withHeaders ? { BASELINE_HEADERS: JSON.stringify(Object.fromEntries(headers)) } : {}),
    },
  );
}
const servers = [
  { name: 'service', url: ourUrl, ready: '/ready', process: () => ours },
  { name: 'bare', url: `http://127.0.0.1:${barePort}`, ready: '/health', process: () => bare },
];

/**
 * CPU time (user + system) a process has used, in microseconds, from /proc (Linux; undefined elsewhere). A server's
 * CPU per request is steadier than its throughput on a shared machine, where the load generator and other work
 * compete for the same cores.
 */
function cpuMicros(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
// Linux reports process times in USER_HZ, 100 on every architecture Node runs on.
const CLOCK_TICKS = 100;

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

let bare: ChildProcess | undefined;
try {
  bare = startBare(await waitUntilReady(`${ourUrl}/health`));
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
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
  console.log(
    `CRM API bench: ${mongo.source}, ${SEEDED} persons, MONGO_MAX_POOL_SIZE ${process.env.MONGO_MAX_POOL_SIZE || 'unset'}, baseline ${withHeaders ? 'with' : 'without'} the service's response headers, ${connections} connections, ${rounds} rounds of ${duration}s ` +
      `per scenario and server (alternating, after ${warmup}s of warm-up); ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), load average ${load()}\n`,
  );
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  // autocannon's latency histogram keeps whole milliseconds, which hides every difference on a route answered in
  // less than one; the response times it reports one by one give them to a hundredth of a millisecond.
  interface Measured {
    result: autocannon.Result;
    p50: number;
    p99: number;
    /** The server's CPU time per request, in microseconds. */
    cpu: number;
  }
  const measure = async (options: autocannon.Options, pid: number | undefined): Promise<Measured> => {
    const times: number[] = [];
    const before = cpuMicros(pid);
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(options, (error, result) => (error ? reject(error) : resolve(result))).on(
        'response',
        (_client, status, _bytes, ms) => status >= 200 && status < 300 && times.push(ms),
      );
    });
    const sorted = Float64Array.from(times).sort();
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    const cpu = ((cpuMicros(pid) ?? Number.NaN) - (before ?? Number.NaN)) / result.requests.total;
    return { result, p50: at(0.5), p99: at(0.99), cpu };
  };
  const ms = (value: number) => Number(value.toFixed(2));
  const rows = [];
  for (const scenario of scenarios.filter((s) => s.name.includes(only))) {
    const run = (server: (typeof servers)[number], seconds: number) =>
      measure({ ...scenario.options(server.url), connections, duration: seconds }, server.process()?.pid);
    for (const server of servers) await run(server, warmup);
    const mine: Measured[] = [];
    const theirs: Measured[] = [];
    for (let round = 0; round < rounds; round++) {
      const [service, bare] = servers as [(typeof servers)[0], (typeof servers)[1]];
      if (round % 2 === 0) {
        mine.push(await run(service, duration));
        theirs.push(await run(bare, duration));
      } else {
        theirs.push(await run(bare, duration));
        mine.push(await run(service, duration));
      }
    }
    const of = (results: Measured[], figure: (r: Measured) => number) => median(results.map(figure));
    // Requests that failed over all rounds: responses other than 2xx by status, then socket errors and timeouts.
    const failures = (results: Measured[]) => {
      const counts = new Map<string, number>();
      const add = (what: string, n: number) => n > 0 && counts.set(what, (counts.get(what) ?? 0) + n);
      for (const { result: r } of results) {
        for (const [status, { count }] of Object.entries(r.statusCodeStats ?? {})) {
          if (!status.startsWith('2')) add(status, count ?? 0);
        }
        add('errors', r.errors);
        add('timeouts', r.timeouts);
      }
      return [...counts].map(([what, n]) => `${n}× ${what}`).join(', ') || '0';
    };
    rows.push({
      scenario: scenario.name,
      'req/s': Math.round(of(mine, (r) => r.result.requests.average)),
      'bare req/s': Math.round(of(theirs, (r) => r.result.requests.average)),
      share: `${Math.round(100 * median(mine.map((r, i) => r.result.requests.average / (theirs[i] as Measured).result.requests.average)))} %`,
      'p99 ms': ms(of(mine, (r) => r.p99)),
      'bare p99 ms': ms(of(theirs, (r) => r.p99)),
      'p50 ms': ms(of(mine, (r) => r.p50)),
      'bare p50 ms': ms(of(theirs, (r) => r.p50)),
      'CPU µs/req': Math.round(of(mine, (r) => r.cpu) * 10) / 10,
      'bare CPU µs/req': Math.round(of(theirs, (r) => r.cpu) * 10) / 10,
      failed: failures(mine),
      'bare failed': failures(theirs),
      // Per round, for the noise: the share, and p99 as service/bare.
      rounds: mine
        .map((r, i) => {
          const bare = theirs[i] as Measured;
          return `${Math.round((100 * r.result.requests.average) / bare.result.requests.average)}% ${ms(r.p99)}/${ms(bare.p99)}`;
        })
        .join(', '),
    });
  }
  console.table(rows);
  console.log(`load average ${load()}`);
} finally {
  for (const child of [ours, bare]) {
    if (!child) continue;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await mongo.stop();
  rmSync(workDir, { recursive: true, force: true });
}
