import { policyResources } from '@cloudops-crm/pulumi-testing';
import { describe, expect, it } from 'vitest';
import { EKS_CONFIG, runCluster } from './harness';

interface PolicyPack {
  evaluatePolicies(
    resources: Array<{ type: string; name: string; props: Record<string, unknown> }>,
  ): unknown[];
}
async function runUnderPolicyMocks(config: Record<string, string>) {
  const { evaluatePolicies } = (await import('../../policy/evaluate.js')) as PolicyPack;
  const run = await runCluster(config);
  return { violations: evaluatePolicies(policyResources(run.resources)), count: run.resources.length };
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
