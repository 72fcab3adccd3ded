import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../../policy/evaluate';
import { allowsWebIdentity } from './iamConditions';
import { type ProgramRun, promiseOf, runProgram } from './program';

// A second stack: us-west-1, an existing GitHub provider, a pinned add-on, no Pulumi organisation.
const EXISTING_PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
let run: ProgramRun;

beforeAll(async () => {
  run = await runProgram({
    region: 'us-west-1',
    clusterName: 'crm-west',
    githubRepository: 'acme/cloudops-crm',
    githubBranch: 'release',
    githubOidcProviderArn: EXISTING_PROVIDER,
    ebsCsiAddonVersion: 'v1.37.0-eksbuild.1',
    nodeCapacityType: 'SPOT',
  });
});

describe('a stack with other settings', () => {
  it('excludes usw1-az2 in us-west-1 and keeps both remaining zones', () => {
    const azCall = run.calls.find((c) => c.token === 'aws:index/getAvailabilityZones:getAvailabilityZones')!;
    expect(azCall.inputs.excludeZoneIds).toEqual(['usw1-az2']);
    expect(run.one('eks:index:Cluster').props.subnetIds).toEqual(['subnet-us-west-1a', 'subnet-us-west-1c']);
  });

  it('reuses the existing GitHub provider instead of creating a second one', () => {
    expect(run.all('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    const trust = run.one('aws:iam/role:Role', 'ci-github').props.assumeRolePolicy as string;
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
    expect(run.program.deploymentsRoleArn).toBeUndefined();
    expect(run.all('aws:iam/role:Role').map((r) => r.name)).not.toContain('ci-pulumi-deployments');
    // Only the CI role gets an access entry when no admin principals are configured.
    expect(run.all('aws:eks/accessEntry:AccessEntry')).toHaveLength(1);
  });

  it('uses the pinned add-on version without asking AWS', () => {
    expect(run.calls.filter((c) => c.token === 'aws:eks/getAddonVersion:getAddonVersion')).toEqual([]);
    expect(run.one('aws:eks/addon:Addon').props.addonVersion).toBe('v1.37.0-eksbuild.1');
  });

  it('applies region, name and capacity type', async () => {
    expect(run.program.region).toBe('us-west-1');
    expect(await promiseOf(run.program.clusterName)).toBe('crm-west');
    expect(run.one('aws:eks/nodeGroup:NodeGroup').props.capacityType).toBe('SPOT');
    expect(run.one('aws:cloudwatch/logGroup:LogGroup').props.name).toBe('/aws/eks/crm-west/cluster');
  });

  it('still passes the policy pack', () => {
    expect(evaluatePolicies(run.resources)).toEqual([]);
  });
});
