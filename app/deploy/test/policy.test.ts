import { policyResources } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { type EvaluatedResource, evaluatePolicies } from '../../../policy/evaluate';
import { clusterStack, gitSha, infraStack, runApp } from './harness';

let resources: EvaluatedResource[];

beforeAll(async () => {
  // Build mode registers every resource the layer can create, the image included.
  vi.stubEnv('GITHUB_SHA', gitSha);
  const run = await runApp({ infraStack, clusterStack });
  resources = policyResources(run.resources);
});

describe('policy pack', () => {
  it('finds no violation in the app stack', () => {
    expect(resources.some((r) => r.type === 'kubernetes:apps/v1:Deployment')).toBe(true);
    expect(resources.some((r) => r.type === 'docker-build:index:Image')).toBe(true);
    expect(evaluatePolicies(resources)).toEqual([]);
  });

  it('would flag the Deployment if it ran as root', () => {
    const deployment = resources.find((r) => r.type === 'kubernetes:apps/v1:Deployment')!;
    const rootDeployment = structuredClone(deployment) as EvaluatedResource & { props: any };
    rootDeployment.props.spec.template.spec.securityContext.runAsUser = 0;
    rootDeployment.props.spec.template.spec.containers[0].securityContext.runAsUser = 0;
    const violations = evaluatePolicies([rootDeployment]);
    expect(violations.map((v) => v.policy)).toContain('containers-non-root');
  });
});
