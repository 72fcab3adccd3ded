import { isSecretInput } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterRun,
  EKS_CONFIG,
  generatedSecret,
  kubernetesObjects,
  releases,
  runCluster,
} from './harness';

let run: ClusterRun;
beforeAll(async () => {
  run = await runCluster(EKS_CONFIG);
});

const passwords = () => run.resources.filter((r) => r.type === 'pulumi-nodejs:dynamic:Resource');
const secretObjects = () => kubernetesObjects(run).filter((r) => r.inputs.kind === 'Secret');

describe('generated credentials', () => {
  it('generates the MongoDB root and app passwords, the elastic password and the Grafana admin password', () => {
    expect(
      passwords()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['elastic-elastic', 'mongodb-app', 'mongodb-root', 'monitoring-grafana-admin'].sort());
    for (const p of passwords()) {
      // GeneratedSecret values are alphanumeric: they go into a mongodb:// URI and HTTP basic auth unescaped.
      expect(p.inputs.length, p.name).toBeGreaterThanOrEqual(32);
    }
  });

  it('has the engine keep every generated password as a secret in the state', () => {
    for (const p of passwords()) {
      expect(p.options.additionalSecretOutputs, p.name).toEqual(['value']);
    }
  });

  it('never puts a generated password into Helm values', () => {
    expect(releases(run).length).toBeGreaterThan(0);
    for (const release of releases(run)) {
      const values = JSON.stringify(release.raw.values);
      for (const p of passwords()) {
        expect(values, `${release.inputs.name} values contain ${p.name}`).not.toContain(
          generatedSecret(p.name),
        );
      }
    }
  });

  it('hands every credential to Kubernetes as a Secret whose data is a Pulumi secret', () => {
    const names = secretObjects().map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`);
    expect(names.sort()).toEqual(
      [
        'crm/crm-mongodb-app',
        'database/mongodb-credentials',
        'elastic/elasticsearch-elastic-user',
        'logging/fluentd-elasticsearch',
        'monitoring/grafana-admin',
      ].sort(),
    );
    for (const secret of secretObjects()) {
      expect(isSecretInput(secret.raw.stringData), secret.inputs.metadata.name).toBe(true);
    }
  });

  it('gives the app a mongodb:// URI with the app user on crm_db', () => {
    const appSecret = secretObjects().find((s) => s.inputs.metadata.name === 'crm-mongodb-app');
    expect(appSecret?.inputs.metadata.namespace).toBe('crm');
    expect(appSecret?.inputs.stringData).toEqual({
      uri: `mongodb://crm_app:${generatedSecret('mongodb-app')}@mongodb.database.svc.cluster.local:27017/crm_db?authSource=crm_db`,
    });
    const credentials = secretObjects().find((s) => s.inputs.metadata.name === 'mongodb-credentials');
    expect(credentials?.inputs.stringData).toEqual({
      'root-username': 'root',
      'root-password': generatedSecret('mongodb-root'),
      'app-username': 'crm_app',
      'app-password': generatedSecret('mongodb-app'),
      'app-database': 'crm_db',
    });
  });

  it('exports the Grafana admin password as a secret and nothing else as one', async () => {
    expect(await pulumi.isSecret(run.exports.grafanaAdminPassword!)).toBe(true);
    expect(run.outputs.grafanaAdminPassword).toBe(generatedSecret('monitoring-grafana-admin'));
    for (const [name, output] of Object.entries(run.exports)) {
      if (name === 'grafanaAdminPassword') continue;
      expect(await pulumi.isSecret(output), name).toBe(false);
      expect(JSON.stringify(run.outputs[name]), name).not.toMatch(/generated-.*-Zq8v/);
    }
  });

  it('keeps the infra kubeconfig a secret on its way into the provider', () => {
    const provider = run.resources.find((r) => r.type === 'pulumi:providers:kubernetes');
    expect(isSecretInput(provider?.raw.kubeconfig)).toBe(true);
  });
});
