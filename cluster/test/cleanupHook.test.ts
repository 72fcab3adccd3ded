import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import * as pulumi from '@pulumi/pulumi';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CleanupTarget, loadBalancerCleanupHook, type ServiceApi } from '../cleanup';

beforeAll(() => {
  pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    'cloudops-crm-cluster',
    'dev',
  );
});

describe('loadBalancerCleanupHook', () => {
  it('is a named hook that does not run on previews', () => {
    const hook = loadBalancerCleanupHook('lb-cleanup', {
      clusterName: 'c',
      region: 'us-east-1',
      kubeconfig: '{}',
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
    const core: ServiceApi = {
      listServiceForAllNamespaces: async () => ({
        items: [
          {
            metadata: { name: 'ingress-nginx-controller', namespace: 'ingress-nginx' },
            spec: { type: 'LoadBalancer' },
          },
        ],
      }),
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
      },
    ]);
    expect(deleted).toEqual(['ingress-nginx/ingress-nginx-controller']);
    expect(messages).toContain('Deleted Service ingress-nginx/ingress-nginx-controller (type LoadBalancer)');
    elbMock.restore();
  });
});
