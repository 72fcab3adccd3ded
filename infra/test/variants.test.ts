import { ofType, one, policyResources, resolveOutput } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../../policy/evaluate';
import { type InfraRun, runInfra } from './harness';
import { allowsWebIdentity } from './iamConditions';

// A second stack: us-west-1, an existing GitHub provider, pinned add-ons, no Pulumi organisation.
const EXISTING_PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
let run: InfraRun;

beforeAll(async () => {
  run = await runInfra({
    region: 'us-west-1',
    clusterName: 'crm-west',
    githubRepository: 'acme/cloudops-crm',
    githubBranch: 'release',
    githubOidcProviderArn: EXISTING_PROVIDER,
    ebsCsiAddonVersion: 'v1.37.0-eksbuild.1',
    corednsAddonVersion: 'v1.11.4-eksbuild.2',
    nodeCapacityType: 'SPOT',
  });
});

describe('a stack with other settings', () => {
  it('excludes usw1-az2 in us-west-1 and keeps both remaining zones', () => {
    const azCall = run.calls.find((c) => c.token === 'aws:index/getAvailabilityZones:getAvailabilityZones')!;
    expect(azCall.inputs.excludeZoneIds).toEqual(['usw1-az2']);
    expect(one(run.resources, 'eks:index:Cluster').raw.subnetIds).toEqual([
      'subnet-us-west-1a',
      'subnet-us-west-1c',
    ]);
  });

  it('reuses the existing GitHub provider instead of creating a second one', () => {
    expect(ofType(run.resources, 'aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    const trust = one(run.resources, 'aws:iam/role:Role', 'ci-github').raw.assumeRolePolicy as string;
    const token = (sub: string) => ({
      'token.actions.githubusercontent.com:sub': sub,
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    });
    expect(
      allowsWebIdentity(trust, EXISTING_PROVIDER, token('repo:acme/cloudops-crm:ref:refs/heads/release')),
    ).toBe(true);
    expect(
      allowsWebIdentity(trust, EXISTING_PROVIDER, token('repo:acme/cloudops-crm:ref:refs/heads/main')),
    ).toBe(false);
  });

  it('creates no Deployments role and exports it as undefined', () => {
    expect(run.program.deploymentsRoleArns).toBeUndefined();
    expect(ofType(run.resources, 'aws:iam/role:Role').map((r) => r.name)).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/deployments/)]),
    );
    // Only the CI role gets an access entry when no admin principals are configured.
    expect(ofType(run.resources, 'aws:eks/accessEntry:AccessEntry')).toHaveLength(1);
  });

  it('uses the pinned add-on versions without asking AWS', () => {
    expect(run.calls.filter((c) => c.token === 'aws:eks/getAddonVersion:getAddonVersion')).toEqual([]);
    expect(one(run.resources, 'aws:eks/addon:Addon', 'storage-ebs-csi').raw.addonVersion).toBe(
      'v1.37.0-eksbuild.1',
    );
    expect(one(run.resources, 'aws:eks/addon:Addon', 'crm-coredns').raw.addonVersion).toBe(
      'v1.11.4-eksbuild.2',
    );
  });

  it('applies region, name and capacity type', async () => {
    expect(run.program.region).toBe('us-west-1');
    expect(await resolveOutput(run.program.clusterName)).toBe('crm-west');
    expect(one(run.resources, 'aws:eks/nodeGroup:NodeGroup').raw.capacityType).toBe('SPOT');
    expect(one(run.resources, 'aws:cloudwatch/logGroup:LogGroup').raw.name).toBe('/aws/eks/crm-west/cluster');
  });

  it('still passes the policy pack', () => {
    expect(evaluatePolicies(policyResources(run.resources))).toEqual([]);
  });
});
