import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { type Json, named } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ELASTICSEARCH_FILES_DIR } from '../components/elasticsearchSetup';
import { type ClusterRun, EKS_CONFIG, kubernetesObjects, runCluster } from './harness';

const execFileAsync = promisify(execFile);

let run: ClusterRun;
beforeAll(async () => {
  run = await runCluster(EKS_CONFIG);
});

/** The container command of a Job spec (a Job's, or a CronJob's jobTemplate). */
const command = (job: Json): string[] => job.spec.template.spec.containers[0]?.command;

describe('the Elasticsearch setup Job and its schedule', () => {
  it('gives the Job its own Pulumi timeout, past its deadline (a component does not pass it on)', () => {
    const job = kubernetesObjects(run).find((r) => r.inputs.kind === 'Job')!;
    expect(job.inputs.spec.activeDeadlineSeconds).toBe(1800);
    expect(named(run.resources, 'kubernetes:batch/v1:Job', job.name).options.customTimeouts).toMatchObject({
      create: '35m',
      update: '35m',
    });
  });

  it('re-applies every definition and the CA hourly', () => {
    const cron = kubernetesObjects(run).find((r) => r.inputs.kind === 'CronJob')!;
    expect(cron.inputs.spec.schedule).toBe('17 * * * *');
    expect(cron.inputs.spec.concurrencyPolicy).toBe('Forbid');
    const job = kubernetesObjects(run).find((r) => r.inputs.kind === 'Job')!;
    // The same run as the Job's: definitions, data streams and the CA.
    expect(command(cron.inputs.spec.jobTemplate)).toEqual(command(job.inputs));
    expect(command(job.inputs)).toEqual(['/bin/sh', '/etc/elasticsearch-setup/setup.sh', 'all']);
  });
});

describe('setup.sh creating the data streams', () => {
  /** Runs setup.sh with a stand-in curl that answers the data stream PUTs with the given status and body. */
  function runSetup(code: number, body: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-setup-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'CA');
    fs.writeFileSync(path.join(dir, 'token'), 'token');
    const log = path.join(dir, 'curl.log');
    fs.writeFileSync(
      path.join(bin, 'curl'),
      [
        '#!/bin/sh',
        'url=""',
        'for arg in "$@"; do case "$arg" in https://*) url=$arg ;; esac; done',
        'echo "$url" >>"$FAKE_LOG"',
        'case "$url" in',
        `  */_data_stream/*) printf '%s\\n%s' "$FAKE_BODY" "$FAKE_CODE" ;;`,
        "  *) echo '{}' ;;",
        'esac',
      ].join('\n'),
      { mode: 0o755 },
    );
    try {
      const stdout = execFileSync('sh', [path.join(ELASTICSEARCH_FILES_DIR, 'setup.sh'), 'all'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          FAKE_LOG: log,
          FAKE_CODE: String(code),
          FAKE_BODY: body,
          ES_URL: 'https://es:9200',
          ELASTIC_PASSWORD: 'x',
          ILM_POLICY: 'p',
          INGEST_PIPELINE: 'i',
          COMPONENT_TEMPLATE: 'c',
          INDEX_TEMPLATE: 't',
          DATA_STREAMS: 'logs-crm logs-system',
          CA_NAMESPACE: 'logging',
          CA_SECRET: 'elasticsearch-ca',
          ES_CA: path.join(dir, 'ca.crt'),
          CONFIG_DIR: ELASTICSEARCH_FILES_DIR,
          SA_DIR: dir,
        },
      });
      return { ok: true, output: stdout, calls: fs.readFileSync(log, 'utf8') };
    } catch (error) {
      const failed = error as { stderr: string };
      return { ok: false, output: failed.stderr, calls: fs.readFileSync(log, 'utf8') };
    }
  }

  it('accepts a stream that already exists', () => {
    const exists =
      '{"error":{"root_cause":[{"type":"resource_already_exists_exception","reason":"data_stream [logs-crm] already exists"}],"type":"resource_already_exists_exception"},"status":400}';
    const result = runSetup(400, exists);
    expect(result.output).toContain('data stream logs-crm ready');
    expect(result.ok).toBe(true);
    expect(result.calls).toContain('/api/v1/namespaces/logging/secrets/elasticsearch-ca');
  });

  it('fails on any other 400, with the body', () => {
    const noTemplate =
      '{"error":{"type":"illegal_argument_exception","reason":"no matching index template found for data stream [logs-crm]"},"status":400}';
    const result = runSetup(400, noTemplate);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('creating data stream logs-crm failed with HTTP 400');
    expect(result.output).toContain('no matching index template');
    // It stops there: the CA is not published over a broken setup.
    expect(result.calls).not.toContain('/secrets/');
  });

  it('reports a created stream', () => {
    const result = runSetup(200, '{"acknowledged":true}');
    expect(result.ok).toBe(true);
    expect(result.output).toContain('data stream logs-system created');
  });
});

describe('setup.sh against an Elasticsearch that is still starting', () => {
  /**
   * A stand-in Elasticsearch and Kubernetes API on loopback, answered by real curl: cluster health fails with 503
   * the first `unready` times, every other request succeeds. Returns the requests in order and how setup.sh ended.
   */
  async function runAgainst(unready: number, attempts: number) {
    const requests: string[] = [];
    let healthChecks = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const line = `${req.method} ${req.url?.split('?')[0]}`;
        requests.push(line);
        if (line === 'GET /_cluster/health' && ++healthChecks <= unready) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":503}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"acknowledged":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-setup-'));
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'CA');
    fs.writeFileSync(path.join(dir, 'token'), 'token');
    try {
      const result = await execFileAsync('sh', [path.join(ELASTICSEARCH_FILES_DIR, 'setup.sh'), 'all'], {
        env: {
          PATH: process.env.PATH,
          ES_URL: url,
          KUBERNETES_API: url,
          ES_WAIT_ATTEMPTS: String(attempts),
          ES_WAIT_INTERVAL_SECONDS: '0',
          ELASTIC_PASSWORD: 'x',
          ILM_POLICY: 'p',
          INGEST_PIPELINE: 'i',
          COMPONENT_TEMPLATE: 'c',
          INDEX_TEMPLATE: 't',
          DATA_STREAMS: 'logs-crm',
          CA_NAMESPACE: 'logging',
          CA_SECRET: 'elasticsearch-ca',
          ES_CA: path.join(dir, 'ca.crt'),
          CONFIG_DIR: ELASTICSEARCH_FILES_DIR,
          SA_DIR: dir,
        },
      }).then(
        (out) => ({ ok: true, output: out.stdout + out.stderr }),
        (error: { stdout: string; stderr: string }) => ({ ok: false, output: error.stdout + error.stderr }),
      );
      return { ...result, requests };
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it('waits through 503s, then applies every definition and publishes the CA', async () => {
    const { ok, output, requests } = await runAgainst(3, 10);
    expect(output).toContain('not ready yet (attempt 3 of 10)');
    expect(ok).toBe(true);
    expect(requests).toEqual([
      'GET /_cluster/health',
      'GET /_cluster/health',
      'GET /_cluster/health',
      'GET /_cluster/health',
      'PUT /_ilm/policy/p',
      'PUT /_ingest/pipeline/i',
      'PUT /_component_template/c',
      'PUT /_index_template/t',
      'PUT /_data_stream/logs-crm',
      'PATCH /api/v1/namespaces/logging/secrets/elasticsearch-ca',
    ]);
  });

  it('gives up after the last attempt without writing anything', async () => {
    const { ok, output, requests } = await runAgainst(100, 3);
    expect(ok).toBe(false);
    expect(output).toContain('did not become ready after 3 attempts');
    expect(requests).toEqual(['GET /_cluster/health', 'GET /_cluster/health', 'GET /_cluster/health']);
  });
});
