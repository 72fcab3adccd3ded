import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { recordResourceHooks } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CleanupTarget,
  loadBalancerCleanupHook,
  type ServiceApi,
  type VolumeApi,
  volumeReleaseHook,
} from '../cleanup';

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    'cloudops-crm-cluster',
    'dev',
  );
  // Constructing a hook registers it with the engine, which the mock monitor cannot do by itself.
  recordResourceHooks(pulumi.runtime);
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
        return { elb: new ElasticLoadBalancingV2Client({ region: target.region }), core };
      },
      (message) => messages.push(message),
    );
    await hook.callback({ urn: 'urn', id: 'id', name: 'anchor', type: 'kubernetes:core/v1:ConfigMap' });

    expect(targets).toEqual([
      {
        clusterName: 'develeap-eks-cluster',
        region: 'eu-west-1',
        kubeconfig: 'apiVersion: v1\nkind: Config\n',
        namespaces: ['ingress-nginx', 'monitoring'],
      },
    ]);
    expect(listed).toEqual(['ingress-nginx', 'monitoring']);
    expect(deleted).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(messages).toContain('Deleted Service ingress-nginx/ingress-nginx-controller (type LoadBalancer)');
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
      { clusterName: '', region: '', kubeconfig: 'kubeconfig-text', namespaces: ['database'] },
    ]);
    expect(calls).toBe(2);
    expect(messages.at(-1)).toBe('All EBS volumes released: pvc-1');
  });
});
