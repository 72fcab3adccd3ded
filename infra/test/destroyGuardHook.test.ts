import { mockHookRuntime } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterLayerGuardHook, clusterLayerLeftovers } from '../guard/clusterLayerGuard';
import { type ClusterReader, type KubeObject, kubeconfigReader } from '../guard/kubernetesReader';

beforeAll(async () => {
  await mockHookRuntime('cloudops-crm-infra');
});

const OWN = 'cloudops-crm-infra-destroy-guard';

/** A cluster as the API server would list it, answering only the paths the guard asks for. */
function cluster(objects: Record<string, KubeObject[]>): ClusterReader & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    list: async (path) => {
      asked.push(path);
      const items = objects[path];
      if (!items) throw new Error(`unexpected GET ${path}`);
      return { items };
    },
  };
}

const empty = {
  '/api/v1/namespaces?labelSelector=app.kubernetes.io%2Fpart-of%3Dcloudops-crm': [],
  '/api/v1/namespaces/kube-system/configmaps?labelSelector=app.kubernetes.io%2Fpart-of%3Dcloudops-crm': [
    { metadata: { name: OWN, namespace: 'kube-system' } },
  ],
  '/api/v1/services': [
    { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { type: 'ClusterIP' } },
    { metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { type: 'ClusterIP' } },
  ],
  '/api/v1/persistentvolumes': [],
};

const withClusterLayer = {
  ...empty,
  '/api/v1/namespaces?labelSelector=app.kubernetes.io%2Fpart-of%3Dcloudops-crm': [
    { metadata: { name: 'crm' } },
    { metadata: { name: 'database' } },
  ],
  '/api/v1/namespaces/kube-system/configmaps?labelSelector=app.kubernetes.io%2Fpart-of%3Dcloudops-crm': [
    { metadata: { name: OWN, namespace: 'kube-system' } },
    { metadata: { name: 'cloudops-crm-volume-release', namespace: 'kube-system' } },
  ],
  '/api/v1/services': [
    ...empty['/api/v1/services'],
    {
      metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' },
      spec: { type: 'LoadBalancer' },
    },
  ],
  '/api/v1/persistentvolumes': [
    {
      metadata: { name: 'pvc-1234' },
      spec: {
        csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' },
        claimRef: { namespace: 'database', name: 'data-mongodb-0' },
      },
    },
    { metadata: { name: 'local-pv' }, spec: { csi: { driver: 'hostpath.csi.k8s.io' } } },
  ],
};

describe('what the guard counts as the cluster layer', () => {
  it('finds nothing in a cluster without it (its own marker and ClusterIP Services do not count)', async () => {
    expect(await clusterLayerLeftovers(cluster(empty), OWN)).toEqual([]);
  });

  it("names the cluster layer's namespaces and markers, load balancer Services and EBS volumes", async () => {
    expect(await clusterLayerLeftovers(cluster(withClusterLayer), OWN)).toEqual([
      'Namespace crm',
      'Namespace database',
      'ConfigMap kube-system/cloudops-crm-volume-release',
      'Service ingress-nginx/ingress-nginx-controller (type LoadBalancer: an AWS load balancer)',
      'PersistentVolume pvc-1234 (EBS volume vol-0abc, claimed by database/data-mongodb-0)',
    ]);
  });
});

describe('clusterLayerGuardHook', () => {
  const hookArgs = { urn: 'urn', id: 'id', name: 'destroy-guard', type: 'kubernetes:core/v1:ConfigMap' };

  it('is a named hook that does not run on previews', () => {
    const hook = clusterLayerGuardHook('guard', { clusterName: 'c', kubeconfig: '{}', ownMarker: OWN });
    expect(hook).toBeInstanceOf(pulumi.ResourceHook);
    expect(hook.name).toBe('guard');
    expect(hook.opts?.onDryRun ?? false).toBe(false);
  });

  it('refuses while the cluster layer exists, naming its resources and what to do', async () => {
    const kubeconfigs: string[] = [];
    const hook = clusterLayerGuardHook(
      'guard',
      {
        clusterName: pulumi.output('develeap-eks-cluster'),
        kubeconfig: pulumi.secret('{"k":1}'),
        ownMarker: OWN,
      },
      async (kubeconfig) => {
        kubeconfigs.push(kubeconfig);
        return cluster(withClusterLayer);
      },
    );
    await expect(hook.callback(hookArgs)).rejects.toThrow(
      /refusing to destroy EKS cluster develeap-eks-cluster: the cluster layer still has Namespace crm, .*Service ingress-nginx\/ingress-nginx-controller.*vol-0abc.*pulumi destroy --run-program/,
    );
    expect(kubeconfigs).toEqual(['{"k":1}']);
  });

  it('lets the destroy go on once the cluster layer is gone', async () => {
    const hook = clusterLayerGuardHook(
      'guard',
      { clusterName: 'c', kubeconfig: '{}', ownMarker: OWN },
      async () => cluster(empty),
    );
    await expect(hook.callback(hookArgs)).resolves.toBeUndefined();
  });

  it('refuses, rather than guess, when the cluster cannot be read', async () => {
    const hook = clusterLayerGuardHook(
      'guard',
      { clusterName: 'c', kubeconfig: '{}', ownMarker: OWN },
      async () => ({
        list: async () => {
          throw new Error('GET /api/v1/services: HTTP 401');
        },
      }),
    );
    await expect(hook.callback(hookArgs)).rejects.toThrow(/HTTP 401/);
  });
});

describe('kubeconfigReader', () => {
  it('takes the token from the exec plugin, as kubectl does', async () => {
    // An exec plugin that prints an ExecCredential; the server is never contacted here.
    const credential = JSON.stringify({ status: { token: 'k8s-aws-v1.abc' } });
    const reader = await kubeconfigReader(
      JSON.stringify({
        clusters: [
          { name: 'eks', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': 'Q0E=' } },
        ],
        users: [
          {
            name: 'aws',
            user: { exec: { command: process.execPath, args: ['-e', `console.log('${credential}')`] } },
          },
        ],
      }),
    );
    await expect(reader.list('/api/v1/services')).rejects.toThrow();
  });

  it('refuses a kubeconfig without a server or a way to get a token', async () => {
    await expect(kubeconfigReader('{}')).rejects.toThrow(/no cluster server or user/);
    await expect(
      kubeconfigReader(
        JSON.stringify({
          clusters: [{ name: 'c', cluster: { server: 'https://x' } }],
          users: [{ name: 'u', user: {} }],
        }),
      ),
    ).rejects.toThrow(/no token/);
  });
});
