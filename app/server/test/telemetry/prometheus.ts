import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { freePort } from '../../dev/mongo.js';

/** The repository's observability content, as the cluster layer provisions it. */
export const OBSERVABILITY_DIR = resolve(import.meta.dirname, '../../../../cluster/observability');
export const DASHBOARD_FILE = join(OBSERVABILITY_DIR, 'dashboards/crm.json');
export const RULES_FILE = join(OBSERVABILITY_DIR, 'rules/crm-alerts.yaml');
export const RULES_TEST_FILE = join(OBSERVABILITY_DIR, 'rules/tests/crm-alerts.test.yaml');

/** The job name the Prometheus Operator gives the app's ServiceMonitor targets: the Service's name. */
export const JOB = 'crm-app';
export const NAMESPACE = 'crm';

/**
 * A Prometheus tool (Debian package `prometheus`: prometheus, promtool) from PROMETHEUS_BIN_DIR or PATH.
 * Outside CI a missing tool skips the suites that need it; with CI=true they fail instead.
 */
export function findTool(name: 'prometheus' | 'promtool'): string | undefined {
  const dirs = [process.env.PROMETHEUS_BIN_DIR, ...(process.env.PATH ?? '').split(delimiter)].filter(
    (dir): dir is string => Boolean(dir),
  );
  return dirs
    .map((dir) => join(dir, name))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export const IN_CI = process.env.CI === 'true';

export function missingToolMessage(name: string): string {
  return `${name} not found (install the Debian package "prometheus", or set PROMETHEUS_BIN_DIR)`;
}

export interface ScrapeTarget {
  /** host:port */
  address: string;
  /** The target labels a ServiceMonitor gives a pod in the cluster (namespace, pod). */
  labels: Record<string, string>;
}

export interface ScrapeJob {
  job: string;
  /** Series labels win over target labels, as with a ServiceMonitor endpoint's `honorLabels: true`. */
  honorLabels?: boolean;
  targets: ScrapeTarget[];
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface QueryResult {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: PromSample[] };
}

export interface RunningPrometheus {
  url: string;
  output: string[];
  query(expr: string): Promise<QueryResult>;
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/**
 * A Prometheus of the test's own: loopback on a free port, storage in a temporary directory, scraping the
 * given jobs' targets every second on /metrics, with the given rule files loaded.
 */
export async function startPrometheus(
  binary: string,
  jobs: ScrapeJob[],
  ruleFiles: string[],
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'crm-prometheus-'));
  const port = await freePort();
  // JSON is YAML: no YAML writer needed for the configuration.
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: jobs.map((job) => ({
      job_name: job.job,
      honor_labels: job.honorLabels ?? false,
      metrics_path: '/metrics',
      static_configs: job.targets.map((target) => ({ targets: [target.address], labels: target.labels })),
    })),
  };
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with code ${child.exitCode}:\n${output.join('')}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 20 s:\n${output.join('')}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }

  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
  const query = async (expr: string): Promise<QueryResult> => {
    const response = await fetch(`${url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    return (await response.json()) as QueryResult;
  };
  return { url, output, query, api, stop };
}
