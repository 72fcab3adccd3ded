import { runProgram } from '@cloudops-crm/pulumi-testing';
import type * as pulumi from '@pulumi/pulumi';

export const ACCOUNT = '123456789012';
export const OIDC_ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const RESOLVED_EBS_CSI_VERSION = 'v1.50.1-eksbuild.1';
export const RESOLVED_COREDNS_VERSION = 'v1.12.4-eksbuild.1';
export const CERTIFICATE_ID = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

/** Zone names and IDs as DescribeAvailabilityZones returns them; each region has one zone EKS rejects. */
export const ZONES: Record<string, { names: string[]; zoneIds: string[] }> = {
  'us-east-1': {
    names: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
    zoneIds: ['use1-az1', 'use1-az2', 'use1-az4', 'use1-az6', 'use1-az3', 'use1-az5'],
  },
  'us-west-1': {
    names: ['us-west-1a', 'us-west-1b', 'us-west-1c'],
    zoneIds: ['usw1-az1', 'usw1-az2', 'usw1-az3'],
  },
  'eu-west-1': {
    names: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    zoneIds: ['euw1-az1', 'euw1-az2', 'euw1-az3'],
  },
};

function outputsFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> | undefined {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.type) {
    case 'eks:index:Cluster': {
      const name = String(inputs.name);
      const endpoint = 'https://EXAMPLED539D4633E53DE1B71EXAMPLE.gr7.us-east-1.eks.amazonaws.com';
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'kubernetes', cluster: { server: endpoint, 'certificate-authority-data': 'Q0E=' } },
        ],
        users: [
          {
            name: 'aws',
            user: { exec: { command: 'aws', args: ['eks', 'get-token', '--cluster-name', name] } },
          },
        ],
      };
      return {
        eksCluster: { name, endpoint, arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/${name}` },
        kubeconfig,
        kubeconfigJson: JSON.stringify(kubeconfig),
        oidcIssuer: OIDC_ISSUER,
        oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC_ISSUER}`,
      };
    }
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${args.name}`, name: args.name };
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return { arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(inputs.url).replace('https://', '')}` };
    case 'aws:ecr/repository:Repository':
      return {
        arn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${String(inputs.name)}`,
        repositoryUrl: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${String(inputs.name)}`,
      };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: 1 };
    case 'aws:acm/certificate:Certificate':
      return {
        arn: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/${CERTIFICATE_ID}`,
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_a79865eb4cd1a6ab990a45779b4e0b96.${String(inputs.domainName)}.`,
            resourceRecordType: 'CNAME',
            resourceRecordValue: '_424c7224e9b0146f9a8808af955727d0.acm-validations.aws.',
          },
        ],
      };
    case 'aws:route53/record:Record':
      return { fqdn: String(inputs.name).replace(/\.$/, '') };
    default:
      return undefined;
  }
}

function callResult(args: pulumi.runtime.MockCallArgs, region: string): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case 'aws:ec2/getVpc:getVpc':
      return { id: 'vpc-0default' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      // The full list on purpose: the program must not rely on AWS applying excludeZoneIds.
      return { ...ZONES[region], id: region, groupNames: [region], region };
    case 'aws:ec2/getSubnets:getSubnets': {
      const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
      const zones = filters.find((f) => f.name === 'availability-zone')?.values ?? [];
      return { ids: zones.map((zone) => `subnet-${zone}`), id: 'subnets', filters };
    }
    case 'aws:eks/getAddonVersion:getAddonVersion':
      return {
        ...inputs,
        id: String(inputs.addonName),
        version: inputs.addonName === 'coredns' ? RESOLVED_COREDNS_VERSION : RESOLVED_EBS_CSI_VERSION,
      };
    default:
      throw new Error(`unmocked call ${args.token}`);
  }
}

/** Runs index.ts under mocks with the given `cloudops-crm-infra:` config (lists and maps as JSON strings). */
export function runInfra(config: Record<string, string>) {
  const region = config.region ?? 'us-east-1';
  return runProgram({
    project: 'cloudops-crm-infra',
    config,
    outputs: outputsFor,
    call: (args) => callResult(args, region),
    program: () => import('../index.js'),
  });
}

export type InfraRun = Awaited<ReturnType<typeof runInfra>>;
