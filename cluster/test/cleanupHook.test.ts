import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockHookRuntime } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CleanupTarget,
  defaultClients,
  loadBalancerCleanupHook,
  loadKubeConfig,
  type ServiceApi,
  type VolumeApi,
  volumeReleaseHook,
} from '../cleanup';

beforeAll(async () => {
  await mockHookRuntime('cloudops-crm-cluster');
});

describe('loadBalancerCleanupHook', () => {
  it('is a named hook that does not run on previews', () => {
    const hook = loadBalancerCleanupHook('lb-cleanup', {
      clusterName: 'c',
      region: 'us-east-1',
      kubeconfig: '{}',
      namespaces: ['ingress-nginx'],
    });
    expect(hook).toBeInstanceOf(pulumi.ResourceHook);
    expect(hook.name).toBe('lb-cleanup');
    expect(hook.opts?.onDryRun ?? false).toBe(false);
  });

  it('resolves its inputs and cleans the cluster they name', async () => {
    const elbMock = mockClient(ElasticLoadBalancingV2Client);
    elbMock.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    elbMock.on(DescribeTagsCommand).resolves({ TagDescriptions: [] });
    const deleted: string[] = [];
    const listed: string[] = [];
    const core: ServiceApi & VolumeApi = {
      listNamespacedService: async ({ namespace }) => {
        listed.push(namespace);
        return {
          items:
            namespace === 'ingress-nginx'
              ? [
                  {
                    metadata: { name: 'ingress-nginx-controller', namespace },
                    spec: { type: 'LoadBalancer' },
                  },
                ]
              : [],
        };
      },
      listPersistentVolume: async () => ({ items: [] }),
      deleteNamespacedService: async ({ name, namespace }) => {
        deleted.push(`${namespace}/${name}`);
        return {};
      },
    };
    const targets: CleanupTarget[] = [];
    const messages: string[] = [];

    const hook = loadBalancerCleanupHook(
      'lb-cleanup',
      {
        clusterName: pulumi.output('develeap-eks-cluster'),
        region: pulumi.output('eu-west-1'),
        kubeconfig: pulumi.secret('apiVersion: v1\nkind: Config\n'),
        namespaces: [pulumi.output('ingress-nginx'), 'monitoring'],
      },
      async (target) => {
        targets.push(target);
        return { elb: new ElasticLoadBalancingV2Client({ region: target.aws?.region }), core };
      },
      (message) => messages.push(message),
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'anchor', type: 'kubernetes:core/v1:ConfigMap' });

    expect(targets).toEqual([
      {
        kubeconfig: 'apiVersion: v1\nkind: Config\n',
        namespaces: ['ingress-nginx', 'monitoring'],
        aws: { clusterName: 'develeap-eks-cluster', region: 'eu-west-1' },
      },
    ]);
    expect(listed).toEqual(['ingress-nginx', 'monitoring']);
    expect(deleted).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(messages).toContain('Deleted Service ingress-nginx/ingress-nginx-controller (type LoadBalancer)');
    // On EKS the hook asks AWS for the cluster's load balancers.
    expect(elbMock.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(1);
    expect(messages).not.toContain('No cloud load balancer to wait for: the target is not an EKS cluster');
    elbMock.restore();
  });

  it('on a local target deletes the LoadBalancer Services without an ELB client and waits for nothing in AWS', async () => {
    const elbMock = mockClient(ElasticLoadBalancingV2Client);
    elbMock.onAnyCommand().rejects(new Error('AWS must not be asked on a local target'));
    const services = new Map([
      ['ingress-nginx', [{ metadata: { name: 'ingress-nginx-controller' }, spec: { type: 'LoadBalancer' } }]],
      ['crm', [{ metadata: { name: 'crm-app' }, spec: { type: 'ClusterIP' } }]],
    ]);
    const deleted: string[] = [];
    const core: ServiceApi & VolumeApi = {
      listNamespacedService: async ({ namespace }) => ({ items: services.get(namespace) ?? [] }),
      listPersistentVolume: async () => ({ items: [] }),
      deleteNamespacedService: async ({ name, namespace }) => {
        deleted.push(`${namespace}/${name}`);
        return {};
      },
    };
    const targets: CleanupTarget[] = [];
    const messages: string[] = [];
    const hook = loadBalancerCleanupHook(
      'lb-cleanup',
      { kubeContext: pulumi.output('k3d-crm'), namespaces: ['crm', pulumi.output('ingress-nginx')] },
      async (target) => {
        targets.push(target);
        // Even a factory that hands out an ELB client does not make a local target wait on AWS.
        return { elb: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }), core };
      },
      (message) => messages.push(message),
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'anchor', type: 'kubernetes:core/v1:ConfigMap' });

    expect(targets).toEqual([{ kubeContext: 'k3d-crm', namespaces: ['crm', 'ingress-nginx'] }]);
    expect(deleted).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(elbMock.calls()).toHaveLength(0);
    expect(messages).toEqual([
      'Deleted Service ingress-nginx/ingress-nginx-controller (type LoadBalancer)',
      'No cloud load balancer to wait for: the target is not an EKS cluster',
    ]);
    elbMock.restore();
  });
});

describe('volumeReleaseHook', () => {
  it('is a named hook that does not run on previews', () => {
    const hook = volumeReleaseHook('volumes', { kubeconfig: '{}', namespaces: ['database'] });
    expect(hook).toBeInstanceOf(pulumi.ResourceHook);
    expect(hook.name).toBe('volumes');
    expect(hook.opts?.onDryRun ?? false).toBe(false);
  });

  it('resolves its inputs and waits for the volumes of those namespaces', async () => {
    let calls = 0;
    const core: VolumeApi = {
      // First poll: one volume still there; second poll: released.
      listPersistentVolume: async () => ({
        items:
          calls++ === 0
            ? [
                {
                  metadata: { name: 'pvc-1' },
                  spec: {
                    csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' },
                    claimRef: { namespace: 'database', name: 'data-mongodb-0' },
                    persistentVolumeReclaimPolicy: 'Delete',
                  },
                },
              ]
            : [],
      }),
    };
    const targets: CleanupTarget[] = [];
    const messages: string[] = [];
    const hook = volumeReleaseHook(
      'volumes',
      {
        clusterName: pulumi.output('develeap-eks-cluster'),
        region: pulumi.output('us-east-1'),
        kubeconfig: pulumi.secret('kubeconfig-text'),
        namespaces: [pulumi.output('database')],
        pollIntervalMs: 1,
      },
      async (target) => {
        targets.push(target);
        return { core };
      },
      (message) => messages.push(message),
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'marker', type: 'kubernetes:core/v1:ConfigMap' });

    expect(targets).toEqual([
      {
        kubeconfig: 'kubeconfig-text',
        namespaces: ['database'],
        aws: { clusterName: 'develeap-eks-cluster', region: 'us-east-1' },
      },
    ]);
    expect(calls).toBe(2);
    expect(messages.at(-1)).toBe('All EBS volumes released: pvc-1');
  });

  it("on a local target waits for the volumes claimed from the stack's namespaces, whatever their driver", async () => {
    const mongodb = {
      metadata: { name: 'pvc-mongodb' },
      spec: {
        hostPath: { path: '/var/local-path-provisioner/pvc-mongodb' },
        claimRef: { namespace: 'database', name: 'data-mongodb-0' },
        persistentVolumeReclaimPolicy: 'Delete',
      },
    };
    // Claimed elsewhere: not the stack's, so neither awaited nor a blocker.
    const foreign = {
      ...mongodb,
      metadata: { name: 'pvc-other' },
      spec: { ...mongodb.spec, claimRef: { namespace: 'dev' } },
    };
    let calls = 0;
    const core: VolumeApi = {
      // Two polls with the stack's volume, then released.
      listPersistentVolume: async () => ({ items: calls++ < 2 ? [mongodb, foreign] : [foreign] }),
    };
    const targets: CleanupTarget[] = [];
    const messages: string[] = [];
    const hook = volumeReleaseHook(
      'volumes',
      {
        kubeconfig: '/home/me/.kube/k3d.yaml',
        namespaces: ['crm', pulumi.output('database')],
        pollIntervalMs: 1,
      },
      async (target) => {
        targets.push(target);
        return { core };
      },
      (message) => messages.push(message),
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'marker', type: 'kubernetes:core/v1:ConfigMap' });

    expect(targets).toEqual([{ kubeconfig: '/home/me/.kube/k3d.yaml', namespaces: ['crm', 'database'] }]);
    expect(calls).toBe(3);
    expect(messages.at(-1)).toBe(
      "All PersistentVolumes claimed from the stack's namespaces released: pvc-mongodb",
    );
  });

  it('on a local target stops at once on a volume of the stack with reclaim policy Retain', async () => {
    let calls = 0;
    const core: VolumeApi = {
      listPersistentVolume: async () => {
        calls++;
        return {
          items: [
            {
              metadata: { name: 'pvc-grafana' },
              spec: {
                csi: { driver: 'rancher.io/local-path', volumeHandle: 'pvc-grafana' },
                claimRef: { namespace: 'monitoring', name: 'grafana' },
                persistentVolumeReclaimPolicy: 'Retain',
              },
            },
          ],
        };
      },
    };
    const hook = volumeReleaseHook(
      'volumes',
      { kubeContext: 'kind-crm', namespaces: ['monitoring'], pollIntervalMs: 1, timeoutMs: 60_000 },
      async () => ({ core }),
      () => {},
    );
    await expect(
      hook.callback({ urn: 'urn', id: 'id', name: 'marker', type: 'kubernetes:core/v1:ConfigMap' }),
    ).rejects.toThrow(
      'PersistentVolumes with reclaim policy Retain will not be deleted by Kubernetes: pvc-grafana ' +
        '(pvc-grafana, claim monitoring/grafana)',
    );
    expect(calls).toBe(1);
  });
});

/** Two contexts, the current one first; the server addresses tell which one the client was built for. */
const KUBECONFIG_YAML = `apiVersion: v1
kind: Config
clusters:
  - name: one
    cluster: { server: 'https://one.example:6443' }
  - name: two
    cluster: { server: 'https://two.example:6443' }
users:
  - name: me
    user: { token: t }
contexts:
  - name: kind-one
    context: { cluster: one, user: me }
  - name: k3d-two
    context: { cluster: two, user: me }
current-context: kind-one
`;

describe('the hooks reach the cluster the way the provider does', () => {
  const server = async (target: Pick<CleanupTarget, 'kubeconfig' | 'kubeContext'>) => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    return loadKubeConfig(new KubeConfig(), target).getCurrentCluster()?.server;
  };
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const path = join(dir, 'config');
    writeFileSync(path, KUBECONFIG_YAML);
    return path;
  };

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reads kubeconfig contents (YAML or JSON) and uses their current context', async () => {
    expect(await server({ kubeconfig: KUBECONFIG_YAML })).toBe('https://one.example:6443');
    const { KubeConfig } = await import('@kubernetes/client-node');
    const json = new KubeConfig();
    json.loadFromString(KUBECONFIG_YAML);
    expect(await server({ kubeconfig: json.exportConfig(), kubeContext: 'k3d-two' })).toBe(
      'https://two.example:6443',
    );
  });

  it('reads a kubeconfig path, and switches to kubeContext', async () => {
    const path = file();
    expect(await server({ kubeconfig: path })).toBe('https://one.example:6443');
    expect(await server({ kubeconfig: path, kubeContext: 'k3d-two' })).toBe('https://two.example:6443');
  });

  it('falls back to $KUBECONFIG like kubectl when no kubeconfig is set', async () => {
    vi.stubEnv('KUBECONFIG', file());
    expect(await server({ kubeContext: 'k3d-two' })).toBe('https://two.example:6443');
    expect(await server({})).toBe('https://one.example:6443');
  });

  it('names the contexts it has when kubeContext is not one of them', async () => {
    await expect(server({ kubeconfig: KUBECONFIG_YAML, kubeContext: 'minikube' })).rejects.toThrow(
      'Context minikube is not in the kubeconfig (contexts: kind-one, k3d-two)',
    );
  });

  it('makes an ELB client only for a target with an AWS side', async () => {
    const local = await defaultClients({
      kubeconfig: KUBECONFIG_YAML,
      kubeContext: 'k3d-two',
      namespaces: [],
    });
    expect(local.elb).toBeUndefined();
    expect(typeof local.core.listNamespacedService).toBe('function');
    const eks = await defaultClients({
      kubeconfig: KUBECONFIG_YAML,
      namespaces: [],
      aws: { clusterName: 'c', region: 'eu-west-1' },
    });
    expect(eks.elb).toBeInstanceOf(ElasticLoadBalancingV2Client);
    expect(await (eks.elb as ElasticLoadBalancingV2Client).config.region()).toBe('eu-west-1');
  });
});
