import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it, vi } from 'vitest';
import { EKS_CONFIG, INFRA_STACK_OUTPUTS, NLB_HOSTNAME } from './harness';

interface PolicyPack {
  evaluatePolicies(
    resources: Array<{ type: string; name: string; props: Record<string, unknown> }>,
  ): unknown[];
}
interface PolicyTesting {
  recordingMocks(options?: {
    outputs?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  }): {
    mocks: pulumi.runtime.Mocks;
    resources: Array<{ type: string; name: string; props: Record<string, unknown> }>;
  };
  recordResourceHooks(runtime: typeof pulumi.runtime): string[];
}

async function runUnderPolicyMocks(config: Record<string, string>) {
  const { evaluatePolicies } = (await import('../../policy/evaluate.js')) as PolicyPack;
  const { recordingMocks, recordResourceHooks } = (await import('../../policy/testing.js')) as PolicyTesting;
  const { mocks, resources } = recordingMocks({
    outputs: (args) => {
      if (args.type === 'pulumi:pulumi:StackReference') return { outputs: INFRA_STACK_OUTPUTS };
      if (args.type === 'kubernetes:helm.sh/v3:Release') {
        return { status: { name: args.inputs.name, namespace: args.inputs.namespace } };
      }
      if (args.type === 'kubernetes:core/v1:Service' && args.id) {
        return { status: { loadBalancer: { ingress: [{ hostname: NLB_HOSTNAME }] } } };
      }
      return undefined;
    },
  });
  await pulumi.runtime.setMocks(mocks, 'cloudops-crm-cluster', 'dev', false);
  recordResourceHooks(pulumi.runtime);
  const namespaced: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) namespaced[`cloudops-crm-cluster:${key}`] = value;
  pulumi.runtime.setAllConfig(namespaced);
  vi.resetModules();
  const program = (await import('../index.js')) as Record<string, unknown>;
  await new Promise((resolve) => {
    (pulumi.output(program.grafanaUrl) as pulumi.Output<unknown>).apply(resolve);
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { violations: evaluatePolicies(resources), count: resources.length };
}

describe('the policy pack over this stack', () => {
  it('is wired: a stray public load balancer is reported', async () => {
    const { evaluatePolicies } = (await import('../../policy/evaluate.js')) as PolicyPack;
    const stray = {
      type: 'kubernetes:core/v1:Service',
      name: 'stray',
      props: { spec: { type: 'LoadBalancer' } },
    };
    expect(evaluatePolicies([stray])).not.toEqual([]);
  });

  it.each([
    ['EKS with ingress-nginx', EKS_CONFIG],
    ['EKS with Traefik', { ...EKS_CONFIG, ingressController: 'traefik' }],
  ])('%s: no violations', async (_, config) => {
    const { violations, count } = await runUnderPolicyMocks(config);
    expect(count).toBeGreaterThan(30);
    expect(violations).toEqual([]);
  });
});
