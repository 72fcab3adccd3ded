import { ofType, one, policyResources, resolveOutput } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../../policy/evaluate';
import { type InfraRun, runInfra } from './harness';
import { allowsWebIdentity } from './iamConditions';

// A stack whose account already has the Pulumi Cloud OIDC provider (one per URL and account).
const EXISTING_PULUMI_PROVIDER = 'arn:aws:iam::210987654321:oidc-provider/api.pulumi.com/oidc';
let run: InfraRun;

beforeAll(async () => {
  run = await runInfra({
    githubRepository: 'acme/cloudops-crm',
    pulumiOrganization: 'acme',
    pulumiOidcProviderArn: EXISTING_PULUMI_PROVIDER,
  });
});

describe('an existing Pulumi OIDC provider', () => {
  it('is reused: only the GitHub provider is created', () => {
    const providers = ofType(run.resources, 'aws:iam/openIdConnectProvider:OpenIdConnectProvider');
    expect(providers.map((p) => p.raw.url)).toEqual(['https://token.actions.githubusercontent.com']);
  });

  it('is the federated principal the Deployments role trusts, for this organisation only', async () => {
    const trust = one(run.resources, 'aws:iam/role:Role', 'ci-deployments-infra').raw
      .assumeRolePolicy as string;
    const token = (org: string) => ({
      'api.pulumi.com/oidc:sub': `pulumi:deploy:org:${org}:project:cloudops-crm-infra:stack:test:operation:update:scope:write`,
      'api.pulumi.com/oidc:aud': org,
    });
    expect(allowsWebIdentity(trust, EXISTING_PULUMI_PROVIDER, token('acme'))).toBe(true);
    expect(allowsWebIdentity(trust, EXISTING_PULUMI_PROVIDER, token('evil'))).toBe(false);
    expect(await resolveOutput(run.program.deploymentsRoleArns!.infra)).toMatch(
      /:role\/ci-deployments-infra$/,
    );
  });

  it('still passes the policy pack', () => {
    expect(evaluatePolicies(policyResources(run.resources))).toEqual([]);
  });
});
