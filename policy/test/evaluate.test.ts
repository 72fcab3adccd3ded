import { type Mocked, policyResources, startMocks } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../evaluate';

class TestResource extends pulumi.CustomResource {
  declare readonly computed: pulumi.Output<unknown>;
  constructor(type: string, name: string, props: pulumi.Inputs) {
    super(type, name, props);
  }
}

describe('recorded resources + evaluatePolicies', () => {
  let recorder: Mocked;
  let computed: unknown;
  let id: unknown;
  beforeAll(async () => {
    recorder = await startMocks({
      project: 'policy-test',
      outputs: (args) => (args.type === 'test:index:Thing' ? { computed: 'from-mock' } : undefined),
    });
    const thing = new TestResource('test:index:Thing', 'thing', { input: 'x', computed: undefined });
    new TestResource('kubernetes:core/v1:Service', 'public', {
      metadata: { name: 'public' },
      spec: { type: 'LoadBalancer' },
    });
    computed = await new Promise((resolve) => thing.computed.apply(resolve));
    id = await new Promise((resolve) => thing.id.apply(resolve));
  });

  it('records every registered resource with its inputs', () => {
    expect(recorder.resources.map((r) => `${r.type}::${r.name}`)).toEqual([
      'test:index:Thing::thing',
      'kubernetes:core/v1:Service::public',
    ]);
    expect(policyResources(recorder.resources)[0]!.props.input).toBe('x');
  });

  it('merges extra outputs over the inputs', () => {
    expect(computed).toBe('from-mock');
  });

  it('gives new resources a known id', () => {
    expect(id).toBe('thing-id');
  });

  it('feeds evaluatePolicies, which names policy and resource', () => {
    expect(evaluatePolicies(policyResources(recorder.resources))).toEqual([
      {
        policy: 'only-ingress-controller-load-balancer',
        resource: 'kubernetes:core/v1:Service::public',
        message: expect.stringMatching(/LoadBalancer/),
      },
    ]);
  });
});
