import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Json } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MONGODB_CHART_PATH } from '../components/mongodb';
import { findHelm } from './charts';
import { type ClusterRun, EKS_CONFIG, kubernetesObjects, release, runCluster } from './harness';
import { validateObject } from './schemas';

const helm = findHelm();
const inCi = process.env.CI === 'true';

if (!helm && !inCi) {
  console.warn(
    'helm not found: skipping the MongoDB chart render tests (run scripts/install-helm.sh to enable them)',
  );
}

describe('the MongoDB chart in charts/mongodb', () => {
  it.skipIf(!inCi)('has helm available in CI', () => {
    expect(helm, 'CI must install helm (scripts/install-helm.sh)').toBeDefined();
  });

  describe.skipIf(!helm && !inCi)('rendered with helm', () => {
    let run: ClusterRun;
    let objects: Json[];

    beforeAll(async () => {
      run = await runCluster(EKS_CONFIG);
      // Render with exactly the values the program passes to the release.
      const mongodb = release(run, 'mongodb');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mongodb-chart-'));
      const valuesFile = path.join(dir, 'values.json');
      fs.writeFileSync(valuesFile, JSON.stringify(mongodb.inputs.values));
      const manifest = execFileSync(
        helm as string,
        [
          'template',
          mongodb.inputs.name,
          MONGODB_CHART_PATH,
          '--namespace',
          mongodb.inputs.namespace,
          '--kube-version',
          '1.35.0',
          '--values',
          valuesFile,
        ],
        { encoding: 'utf8' },
      );
      fs.rmSync(dir, { recursive: true, force: true });
      objects = parseAllDocuments(manifest)
        .map((doc) => doc.toJSON())
        .filter(Boolean);
    });

    const find = (kind: string) => objects.filter((o) => o.kind === kind);

    it('renders only objects that validate against the Kubernetes schemas', () => {
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['ConfigMap', 'Service', 'Service', 'ServiceAccount', 'StatefulSet'].sort(),
      );
      for (const object of objects) {
        expect(() => validateObject(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
      }
    });

    it('runs the pinned official mongo image as uid 999 with auth from the Pulumi-created Secret', () => {
      const [sts] = find('StatefulSet');
      const pod = sts.spec.template.spec;
      const [container] = pod.containers;
      expect(container.image).toBe('mongo:8.0.16');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.valueFrom?.secretKeyRef]));
      expect(env.MONGO_INITDB_ROOT_USERNAME).toEqual({ name: 'mongodb-credentials', key: 'root-username' });
      expect(env.MONGO_INITDB_ROOT_PASSWORD).toEqual({ name: 'mongodb-credentials', key: 'root-password' });
      expect(env.MONGO_APP_PASSWORD).toEqual({ name: 'mongodb-credentials', key: 'app-password' });
      expect(container.resources).toEqual(release(run, 'mongodb').inputs.values.resources);
    });

    it('claims a 5Gi gp3 volume per pod', () => {
      const [sts] = find('StatefulSet');
      expect(sts.spec.volumeClaimTemplates).toHaveLength(1);
      expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({
        storageClassName: 'gp3',
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '5Gi' } },
      });
    });

    it('creates the app user on crm_db from environment variables in an init script', () => {
      const [init] = find('ConfigMap');
      const script = init.data['01-create-app-user.js'];
      expect(script).toContain('createUser');
      expect(script).toContain('process.env.MONGO_APP_PASSWORD');
      expect(script).toContain("role: 'readWrite'");
      const [sts] = find('StatefulSet');
      expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({
        name: 'init',
        mountPath: '/docker-entrypoint-initdb.d',
        readOnly: true,
      });
    });

    it('exposes the Service the app URI names, with pods the NetworkPolicy selects', () => {
      const service = find('Service').find((s) => s.spec.clusterIP !== 'None');
      expect(`${service.metadata.name}.${release(run, 'mongodb').inputs.namespace}.svc.cluster.local`).toBe(
        run.outputs.mongoServiceHost,
      );
      expect(service.spec.ports[0].port).toBe(27017);
      const policy = kubernetesObjects(run).find((o) => o.inputs.kind === 'NetworkPolicy')!.inputs;
      const podLabels = find('StatefulSet')[0].spec.template.metadata.labels;
      for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels))
        expect(podLabels[k], k).toBe(v);
    });

    it('never renders a credential', () => {
      const manifest = JSON.stringify(objects);
      expect(manifest).not.toMatch(/generated-.*-Zq8v/);
      expect(find('Secret')).toEqual([]);
    });
  });
});
