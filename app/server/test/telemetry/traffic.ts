import { freePort } from '../../dev/mongo.js';
import { freshDatabaseUri } from '../helpers.js';
import { type RunningServer, startBundle } from '../processes.js';

/** The Deployment these instances stand for: the app layer names it, its container and its Service `crm-app`. */
export const DEPLOYMENT = 'crm-app';
/** The ReplicaSet of the current pod template (`<deployment>-<pod-template-hash>`). */
export const REPLICA_SET = `${DEPLOYMENT}-6b7f9c8d5`;
/** Pod names as the ReplicaSet controller generates them; both scrape jobs see the same pods by these names. */
export const POD_NAMES = {
  healthy: `${REPLICA_SET}-h7k2p`,
  noDatabase: `${REPLICA_SET}-n4d8b`,
  /** A pod that stopped answering: nothing listens on its address. */
  gone: `${REPLICA_SET}-g5w9x`,
} as const;

export interface Pods {
  /** The service on the test database. */
  healthy: RunningServer;
  /** The same bundle pointed at a MongoDB address where nothing listens: its /person routes answer 503. */
  noDatabase: RunningServer;
  stop(): Promise<void>;
}

/** Two instances of the production bundle, like two pods of one Deployment, one of which lost MongoDB. */
export async function startPods(): Promise<Pods> {
  // The healthy pod must answer every request of a round: on a busy machine a MongoDB reply can take longer than
  // the production bound (MONGO_OPERATION_TIMEOUT_MS, 1.25 s), so this one waits longer (within its shutdown budget).
  const healthy = await startBundle({
    MONGO_URI: freshDatabaseUri(),
    ENVIRONMENT: 'test',
    MONGO_OPERATION_TIMEOUT_MS: '10000',
    SHUTDOWN_TIMEOUT_MS: '80000',
  });
  let noDatabase: RunningServer;
  try {
    noDatabase = await startBundle({
      MONGO_URI: `mongodb://127.0.0.1:${await freePort()}/crm_db`,
      ENVIRONMENT: 'test',
      MONGO_TIMEOUT_MS: '200',
    });
  } catch (error) {
    await healthy.stop();
    throw error;
  }
  return {
    healthy,
    noDatabase,
    stop: async () => {
      await Promise.all([healthy.stop(), noDatabase.stop()]);
    },
  };
}

export interface TrafficCounts {
  /** Responses seen, by status code. */
  byStatus: Map<number, number>;
  created: number;
  updated: number;
  deleted: number;
}

export const emptyCounts = (): TrafficCounts => ({ byStatus: new Map(), created: 0, updated: 0, deleted: 0 });

async function call(
  counts: TrafficCounts,
  base: string,
  method: string,
  path: string,
  expected: number,
  body?: unknown,
): Promise<void> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'user-agent': 'crm-telemetry-test', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  await response.arrayBuffer();
  if (response.status !== expected) {
    throw new Error(`${method} ${path} answered ${response.status}, expected ${expected}`);
  }
  counts.byStatus.set(response.status, (counts.byStatus.get(response.status) ?? 0) + 1);
}

/**
 * One round of what clients do: create, read, update, list and delete a person (2xx), ask for a missing person
 * and send a bad query (4xx), and hit the pod without MongoDB (503, a real server-side failure), plus probes.
 */
export async function trafficRound(pods: Pods, round: number, counts: TrafficCounts): Promise<void> {
  const api = pods.healthy.url;
  const id = `telemetry-${round}`;
  await call(counts, api, 'POST', `/person/${id}`, 201, {
    name: `Person ${round}`,
    email: `p${round}@example.com`,
  });
  counts.created++;
  await call(counts, api, 'GET', `/person/${id}`, 200);
  await call(counts, api, 'PUT', `/person/${id}`, 200, { company: `Company ${round}` });
  counts.updated++;
  await call(counts, api, 'GET', '/person?limit=5', 200);
  await call(counts, api, 'GET', `/person/missing-${round}`, 404);
  await call(counts, api, 'GET', '/person?limit=0', 400);
  await call(counts, api, 'DELETE', `/person/${id}`, 200);
  counts.deleted++;
  await call(counts, api, 'GET', '/', 200);
  await call(counts, api, 'GET', '/health', 200);
  await call(counts, api, 'GET', '/ready', 200);

  const down = pods.noDatabase.url;
  await call(counts, down, 'GET', `/person/${id}`, 503);
  await call(counts, down, 'POST', `/person/${id}`, 503, { name: `Person ${round}` });
  await call(counts, down, 'GET', '/health', 200);
  await call(counts, down, 'GET', '/ready', 503);
}
