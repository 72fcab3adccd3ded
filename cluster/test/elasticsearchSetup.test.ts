import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Json, named } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ELASTICSEARCH_FILES_DIR } from '../components/elasticsearchSetup';
import { type ClusterRun, EKS_CONFIG, kubernetesObjects, runCluster } from './harness';

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
