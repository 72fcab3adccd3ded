import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it, vi } from 'vitest';
import { type ConfigSource, loadConfig } from '../config';

const source = (values: Record<string, string>): ConfigSource => ({ get: (key) => values[key] });
const minimal = { githubRepository: 'acme/cloudops-crm' };

describe('configuration defaults', () => {
  it('are the values of the former Terraform setup, with a Kubernetes version in standard support', () => {
    const config = loadConfig(source(minimal));
    expect(config.region).toBe('us-east-1');
    expect(config.clusterName).toBe('develeap-eks-cluster');
    expect(config.node).toEqual({
      instanceType: 't3a.medium',
      capacityType: 'ON_DEMAND',
      desiredSize: 2,
      minSize: 1,
      maxSize: 2,
      diskSizeGiB: 20,
    });
    expect(config.ecr.repositoryName).toBe('crm-app');
    expect(config.kubernetesVersion).toBe('1.35');
    expect(config.adminPrincipalArns).toEqual([]);
    expect(config.github).toEqual({
      repository: 'acme/cloudops-crm',
      branch: 'main',
      environment: undefined,
      oidcProviderArn: undefined,
    });
    expect(config.pulumi.organization).toBeUndefined();
    expect(config.pulumi.oidcProviderArn).toBeUndefined();
    expect(config.ebsCsiAddonVersion).toBeUndefined();
    expect(config.corednsAddonVersion).toBeUndefined();
    expect(config.eksUnsupportedZoneIds['us-east-1']).toEqual(['use1-az3']);
  });

  it('accepts overrides, lists and maps', () => {
    const config = loadConfig(
      source({
        ...minimal,
        region: 'eu-west-1',
        nodeCapacityType: 'SPOT',
        nodeDesiredSize: '3',
        nodeMaxSize: '4',
        adminPrincipalArns: '["arn:aws:iam::123456789012:user/alice"]',
        ebsCsiAddonVersion: 'v1.37.0-eksbuild.1',
        tags: '{"CostCenter":"crm"}',
      }),
    );
    expect(config.region).toBe('eu-west-1');
    expect(config.node).toMatchObject({ capacityType: 'SPOT', desiredSize: 3, maxSize: 4 });
    expect(config.adminPrincipalArns).toEqual(['arn:aws:iam::123456789012:user/alice']);
    expect(config.ebsCsiAddonVersion).toBe('v1.37.0-eksbuild.1');
    expect(config.tags).toMatchObject({ CostCenter: 'crm', Project: 'cloudops-crm' });
  });

  it('accepts the regions of the aws partition', () => {
    for (const region of ['eu-central-2', 'ap-southeast-7', 'il-central-1', 'mx-central-1', 'ca-west-1']) {
      expect(loadConfig(source({ ...minimal, region })).region).toBe(region);
    }
  });

  describe('the example stack file Pulumi.dev.yaml', () => {
    const text = readFileSync(join(__dirname, '..', 'Pulumi.dev.yaml'), 'utf8');
    // Scalar entries only (lists stay commented out); `commented` also reads the `# key: value` examples.
    const entries = (commented: boolean) =>
      Object.fromEntries(
        [
          ...text.matchAll(
            commented
              ? /^ {2}# cloudops-crm-infra:(\w+): "?([^"\n<]+)"?$/gm
              : /^ {2}cloudops-crm-infra:(\w+): "?([^"\n]+)"?$/gm,
          ),
        ].map((m) => [m[1]!, m[2]!]),
      );

    it('stops an unedited stack: githubRepository must be set by whoever deploys', () => {
      expect(Object.keys(entries(false)).length).toBeGreaterThan(8);
      expect(entries(false).githubRepository).toBeUndefined();
      expect(() => loadConfig(source(entries(false)))).toThrow(
        /'cloudops-crm-infra:githubRepository': a value is required/,
      );
    });

    it('is valid once githubRepository is set', () => {
      const config = loadConfig(source({ ...entries(false), githubRepository: 'acme/cloudops-crm' }));
      expect(config.kubernetesVersion).toBe('1.35');
      expect(config.github.repository).toBe('acme/cloudops-crm');
    });

    it('shows valid examples of the provider reuse keys', () => {
      const examples = entries(true);
      expect(Object.keys(examples)).toEqual(
        expect.arrayContaining(['githubOidcProviderArn', 'pulumiOrganization', 'pulumiOidcProviderArn']),
      );
      const config = loadConfig(source({ ...entries(false), ...examples, githubRepository: 'acme/crm' }));
      expect(config.github.oidcProviderArn).toMatch(/oidc-provider\/token\.actions\.githubusercontent\.com$/);
      expect(config.pulumi.oidcProviderArn).toMatch(/oidc-provider\/api\.pulumi\.com\/oidc$/);
    });
  });

  it('reads the stack configuration through pulumi.Config by default', () => {
    pulumi.runtime.setAllConfig({
      'cloudops-crm-infra:githubRepository': 'acme/from-stack',
      'cloudops-crm-infra:nodeInstanceType': 'm7a.large',
    });
    const config = loadConfig();
    expect(config.github.repository).toBe('acme/from-stack');
    expect(config.node.instanceType).toBe('m7a.large');
  });
});

describe('a missing or malformed value fails naming the key', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['githubRepository', {}, /'cloudops-crm-infra:githubRepository': a value is required/],
    ['githubRepository', { githubRepository: '*/*' }, /githubRepository.*no wildcards/],
    ['githubRepository', { githubRepository: 'acme' }, /githubRepository/],
    ['githubBranch', { ...minimal, githubBranch: 'release/*' }, /githubBranch/],
    ['nodeDesiredSize', { ...minimal, nodeDesiredSize: 'two' }, /nodeDesiredSize.*not a whole number/],
    ['nodeDesiredSize', { ...minimal, nodeDesiredSize: '5' }, /nodeDesiredSize.*not between/],
    ['nodeMinSize', { ...minimal, nodeMinSize: '3' }, /nodeMinSize.*larger than nodeMaxSize/],
    ['nodeCapacityType', { ...minimal, nodeCapacityType: 'RESERVED' }, /nodeCapacityType.*ON_DEMAND or SPOT/],
    ['kubernetesVersion', { ...minimal, kubernetesVersion: 'latest' }, /kubernetesVersion/],
    ['region', { ...minimal, region: 'moon-1' }, /region/],
    // The layer writes arn:aws: ARNs; GovCloud and China regions would get policies that do not exist there.
    ['region', { ...minimal, region: 'us-gov-west-1' }, /region.*aws partition/],
    ['region', { ...minimal, region: 'cn-north-1' }, /region.*aws partition/],
    [
      'adminPrincipalArns',
      { ...minimal, adminPrincipalArns: '["arn:aws-us-gov:iam::123456789012:role/admins"]' },
      /adminPrincipalArns/,
    ],
    ['clusterLogRetentionDays', { ...minimal, clusterLogRetentionDays: '8' }, /clusterLogRetentionDays/],
    [
      'adminPrincipalArns',
      { ...minimal, adminPrincipalArns: '"arn:aws:iam::1:role/x"' },
      /adminPrincipalArns.*list/,
    ],
    ['adminPrincipalArns', { ...minimal, adminPrincipalArns: '["alice"]' }, /adminPrincipalArns.*'alice'/],
    ['ebsCsiAddonVersion', { ...minimal, ebsCsiAddonVersion: 'latest' }, /ebsCsiAddonVersion/],
    ['corednsAddonVersion', { ...minimal, corednsAddonVersion: '1.11.4' }, /corednsAddonVersion/],
    [
      'githubOidcProviderArn',
      { ...minimal, githubOidcProviderArn: 'arn:aws:iam::1:x' },
      /githubOidcProviderArn/,
    ],
    ['pulumiStack', { ...minimal, pulumiStack: 'dev*' }, /pulumiStack/],
    ['appNamespace', { ...minimal, appNamespace: 'CRM' }, /appNamespace/],
    [
      'pulumiOidcProviderArn',
      {
        ...minimal,
        pulumiOrganization: 'acme',
        pulumiOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
      },
      /pulumiOidcProviderArn.*api\.pulumi\.com\/oidc/,
    ],
    [
      'pulumiOidcProviderArn',
      { ...minimal, pulumiOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc' },
      /pulumiOidcProviderArn.*only used together with pulumiOrganization/,
    ],
    [
      'eksUnsupportedZoneIds',
      { ...minimal, eksUnsupportedZoneIds: '{"us-east-1":"e"}' },
      /eksUnsupportedZoneIds/,
    ],
    ['tags', { ...minimal, tags: '{"a":1}' }, /tags/],
    ['ecrRepositoryName', { ...minimal, ecrRepositoryName: 'CRM App' }, /ecrRepositoryName/],
  ];
  it.each(cases)('%s', (_key, values, message) => {
    expect(() => loadConfig(source(values))).toThrow(message);
  });

  it('stops the program before any resource is declared', async () => {
    const registered: string[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args.type);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
      },
      'cloudops-crm-infra',
      'test',
      false,
    );
    pulumi.runtime.setAllConfig({
      'cloudops-crm-infra:githubRepository': 'acme/cloudops-crm',
      'cloudops-crm-infra:nodeMaxSize': 'lots',
    });
    vi.resetModules(); // an earlier file of this worker may have imported the program already
    await expect(import('../index.js')).rejects.toThrow(
      /'cloudops-crm-infra:nodeMaxSize': 'lots' is not a whole number/,
    );
    expect(registered).toEqual([]);
  });
});
