import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { named, ofType, one, policyResources, resolveOutput } from '@cloudops-crm/pulumi-testing';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_DEPLOYERS_GROUP as CLUSTER_APP_DEPLOYERS_GROUP } from '../../cluster/contract';
import { evaluatePolicies } from '../../policy/evaluate';
import { ACCOUNT, type InfraRun, OIDC_ISSUER, RESOLVED_EBS_CSI_VERSION, runInfra } from './harness';
import { allowsWebIdentity, stringLike } from './iamConditions';

const ADMIN = `arn:aws:iam::${ACCOUNT}:role/platform-admins`;
const GITHUB = 'token.actions.githubusercontent.com';
const GITHUB_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB}`;
const PULUMI_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/api.pulumi.com/oidc`;
const CLUSTER_ADMIN = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';
const EDIT = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';

let run: InfraRun;

beforeAll(async () => {
  run = await runInfra({
    githubRepository: 'acme/cloudops-crm',
    githubEnvironment: 'production',
    adminPrincipalArns: JSON.stringify([ADMIN]),
    pulumiOrganization: 'acme',
    pulumiStack: 'dev',
  });
});

// biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary, provider-shaped resource inputs.
const props = (type: string, name?: string) => one(run.resources, type, name).raw as Record<string, any>;

describe('outputs', () => {
  it('exports exactly the names the cluster and app layers read', () => {
    expect(Object.keys(run.program).sort()).toEqual(
      [
        'appDeployersGroup',
        'ciRoleArn',
        'clusterEndpoint',
        'clusterName',
        'deploymentsRoleArns',
        'ecrRepositoryName',
        'ecrRepositoryUrl',
        'kubeconfig',
        'oidcProviderArn',
        'publicDomain',
        'region',
        'storageClassName',
        'tlsCertificateArn',
      ].sort(),
    );
  });

  it('resolves every output', async () => {
    const p = run.program;
    expect(await resolveOutput(p.clusterName)).toBe('develeap-eks-cluster');
    expect(await resolveOutput(p.clusterEndpoint)).toMatch(/^https:\/\/.+\.eks\.amazonaws\.com$/);
    expect(await resolveOutput(p.oidcProviderArn)).toBe(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC_ISSUER}`,
    );
    expect(await resolveOutput(p.ecrRepositoryUrl)).toBe(
      `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/crm-app`,
    );
    expect(await resolveOutput(p.ecrRepositoryName)).toBe('crm-app');
    expect(await resolveOutput(p.ciRoleArn)).toMatch(/^arn:aws:iam::\d{12}:role\/ci-github$/);
    expect(await resolveOutput(pulumi.output(p.deploymentsRoleArns!))).toEqual({
      infra: `arn:aws:iam::${ACCOUNT}:role/ci-deployments-infra`,
      cluster: `arn:aws:iam::${ACCOUNT}:role/ci-deployments-cluster`,
      app: `arn:aws:iam::${ACCOUNT}:role/ci-deployments-app`,
    });
    // The cluster layer binds this group by name: both sides of the contract must agree.
    expect(p.appDeployersGroup).toBe(CLUSTER_APP_DEPLOYERS_GROUP);
    expect(p.region).toBe('us-east-1');
    expect(await resolveOutput(p.storageClassName)).toBe('gp3');
  });

  it('marks the kubeconfig secret, and it is the cluster kubeconfig', async () => {
    expect(await pulumi.isSecret(run.program.kubeconfig)).toBe(true);
    const kubeconfig = JSON.parse(await resolveOutput(run.program.kubeconfig));
    expect(kubeconfig.users[0].user.exec.args).toContain('develeap-eks-cluster');
    expect(await pulumi.isSecret(run.program.clusterEndpoint)).toBe(false);
  });
});

describe('network lookup', () => {
  it('asks AWS to leave out the region’s unsupported zone IDs', () => {
    const call = run.calls.find((c) => c.token === 'aws:index/getAvailabilityZones:getAvailabilityZones')!;
    expect(call.inputs.excludeZoneIds).toEqual(['use1-az3']);
    expect(call.inputs.state).toBe('available');
  });

  it('drops us-east-1e (use1-az3) itself although the mocked zone list contains it', () => {
    const call = run.calls.find((c) => c.token === 'aws:ec2/getSubnets:getSubnets')!;
    const filters = call.inputs.filters as { name: string; values: string[] }[];
    expect(filters.find((f) => f.name === 'availability-zone')!.values).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
      'us-east-1d',
      'us-east-1f',
    ]);
    expect(filters).toContainEqual({ name: 'vpc-id', values: ['vpc-0default'] });
    expect(filters).toContainEqual({ name: 'default-for-az', values: ['true'] });
  });

  it('gives the cluster and the node group only subnets of supported zones', () => {
    const clusterSubnets = props('eks:index:Cluster').subnetIds as string[];
    expect(clusterSubnets).toHaveLength(5);
    expect(clusterSubnets).not.toContain('subnet-us-east-1e');
    expect(props('aws:eks/nodeGroup:NodeGroup').subnetIds).toEqual(clusterSubnets);
    expect(props('eks:index:Cluster').vpcId).toBe('vpc-0default');
  });
});

describe('EKS cluster', () => {
  it('uses access entries only (API mode), no default node group, and the configured version', () => {
    const cluster = props('eks:index:Cluster');
    expect(cluster.name).toBe('develeap-eks-cluster');
    expect(cluster.version).toBe('1.35');
    expect(cluster.authenticationMode).toBe('API');
    expect(cluster.skipDefaultNodeGroup).toBe(true);
    expect(cluster.roleMappings).toBeUndefined();
    expect(cluster.userMappings).toBeUndefined();
    expect(cluster.createOidcProvider).toBe(true);
    // Extended support bills $0.60 instead of $0.10 per cluster hour; the cluster upgrades instead.
    expect(cluster.upgradePolicy).toEqual({ supportType: 'STANDARD' });
  });

  it("creates its AWS resources through the stack's regional, tagging provider", () => {
    // The remote component's children are created by the EKS plugin with the provider sent here.
    expect(named(run.resources, 'eks:index:Cluster', 'crm').options.providers.aws).toMatch(
      /::pulumi:providers:aws::aws::/,
    );
  });

  it('registers every AWS resource and data source call through that provider, never a default one', () => {
    const explicit = /::pulumi:providers:aws::aws::/;
    const awsResources = run.resources.filter((r) => r.type.startsWith('aws:'));
    expect(awsResources.length).toBeGreaterThan(15);
    for (const r of awsResources) expect(r.options.provider, `${r.type}::${r.name}`).toMatch(explicit);
    const awsCalls = run.calls.filter((c) => c.token.startsWith('aws:'));
    expect(awsCalls.length).toBeGreaterThanOrEqual(4);
    for (const call of awsCalls) expect(call.provider, call.token).toMatch(explicit);
    // So the project can refuse the ambient default provider (wrong region, untagged) altogether.
    const project = readFileSync(join(__dirname, '..', 'Pulumi.yaml'), 'utf8');
    expect(project).toMatch(/^config:\n(?: {2}#.*\n)* {2}pulumi:disable-default-providers:\n {4}- aws$/m);
  });

  it('has public and private endpoints', () => {
    const cluster = props('eks:index:Cluster');
    expect(cluster.endpointPublicAccess).toBe(true);
    expect(cluster.endpointPrivateAccess).toBe(true);
  });

  it('enforces NetworkPolicies through the VPC CNI', () => {
    expect(props('eks:index:Cluster').vpcCniOptions).toMatchObject({ enableNetworkPolicy: true });
  });

  it('logs api, audit and authenticator into a group with retention, created before the cluster', () => {
    expect(props('eks:index:Cluster').enabledClusterLogTypes).toEqual(['api', 'audit', 'authenticator']);
    const logGroup = props('aws:cloudwatch/logGroup:LogGroup');
    expect(logGroup.name).toBe('/aws/eks/develeap-eks-cluster/cluster');
    expect(logGroup.retentionInDays).toBe(30);
    const logGroupName = one(run.resources, 'aws:cloudwatch/logGroup:LogGroup').name;
    expect(named(run.resources, 'eks:index:Cluster', 'crm').options.dependsOn).toContain(
      named(run.resources, 'aws:cloudwatch/logGroup:LogGroup', logGroupName).urn,
    );
  });

  it('runs one managed node group of 2 × t3a.medium on demand, scaling 1..2', () => {
    const group = props('aws:eks/nodeGroup:NodeGroup');
    expect(group.clusterName).toBe('develeap-eks-cluster');
    expect(group.instanceTypes).toEqual(['t3a.medium']);
    expect(group.capacityType).toBe('ON_DEMAND');
    expect(group.scalingConfig).toEqual({ desiredSize: 2, minSize: 1, maxSize: 2 });
    expect(group.amiType).toBe('AL2023_x86_64_STANDARD');
    expect(group.version).toBe('1.35');
    expect(ofType(run.resources, 'aws:eks/nodeGroup:NodeGroup')).toHaveLength(1);
  });

  it('gives nodes encrypted gp3 root volumes and IMDSv2 through the launch template', () => {
    const template = props('aws:ec2/launchTemplate:LaunchTemplate');
    expect(template.blockDeviceMappings).toEqual([
      {
        deviceName: '/dev/xvda',
        ebs: { volumeSize: 20, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
      },
    ]);
    expect(template.metadataOptions.httpTokens).toBe('required');
    expect(props('aws:eks/nodeGroup:NodeGroup').launchTemplate).toEqual({
      id: expect.any(String),
      version: '1',
    });
  });

  it('gives the node role only the worker, CNI and ECR read-only policies', () => {
    const nodeRole = props('aws:iam/role:Role', 'node-role');
    expect(JSON.parse(nodeRole.assumeRolePolicy).Statement[0].Principal).toEqual({
      Service: 'ec2.amazonaws.com',
    });
    const nodePolicies = ofType(run.resources, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')
      .filter((a) => a.raw.role === 'crm-node-role')
      .map((a) => a.raw.policyArn)
      .sort();
    expect(nodePolicies).toEqual([
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
    ]);
  });

  it('grants cluster admin to the configured principals and the infra and cluster layers only', () => {
    const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
    const entries = ofType(run.resources, 'aws:eks/accessEntry:AccessEntry');
    for (const entry of entries) {
      expect(entry.raw.clusterName).toBe('develeap-eks-cluster');
      expect(entry.raw.type).toBe('STANDARD');
    }
    const associations = ofType(run.resources, 'aws:eks/accessPolicyAssociation:AccessPolicyAssociation');
    const grants = Object.fromEntries(
      associations.map((a) => [a.raw.principalArn, { policy: a.raw.policyArn, scope: a.raw.accessScope }]),
    );
    expect(Object.keys(grants).sort()).toEqual(entries.map((e) => e.raw.principalArn).sort());
    const clusterAdmin = { policy: CLUSTER_ADMIN, scope: { type: 'cluster' } };
    const appNamespaceEdit = { policy: EDIT, scope: { type: 'namespace', namespaces: ['crm'] } };
    expect(grants).toEqual({
      [ADMIN]: clusterAdmin,
      [role('ci-deployments-infra')]: clusterAdmin,
      [role('ci-deployments-cluster')]: clusterAdmin,
      // Rolling out the app needs its namespace: cluster admin would read every Secret of the platform.
      [role('ci-github')]: appNamespaceEdit,
      [role('ci-deployments-app')]: appNamespaceEdit,
    });
    const groups = Object.fromEntries(entries.map((e) => [e.raw.principalArn, e.raw.kubernetesGroups ?? []]));
    expect(groups[role('ci-github')]).toEqual(['cloudops-crm:app-deployers']);
    expect(groups[role('ci-deployments-app')]).toEqual(['cloudops-crm:app-deployers']);
    expect(groups[ADMIN]).toEqual([]);
  });
});

describe('ECR repository', () => {
  it('is immutable, scanned on push, encrypted and force-deletable', () => {
    const repo = props('aws:ecr/repository:Repository');
    expect(repo.name).toBe('crm-app');
    expect(repo.imageTagMutability).toBe('IMMUTABLE');
    expect(repo.imageScanningConfiguration).toEqual({ scanOnPush: true });
    expect(repo.encryptionConfigurations).toEqual([{ encryptionType: 'AES256' }]);
    expect(repo.forceDelete).toBe(true);
  });

  it('expires untagged images and keeps the last 30', () => {
    const lifecycle = props('aws:ecr/lifecyclePolicy:LifecyclePolicy');
    expect(lifecycle.repository).toBe('crm-app');
    const rules = JSON.parse(lifecycle.policy).rules;
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
      action: { type: 'expire' },
    });
    expect(rules[1]).toMatchObject({
      rulePriority: 2,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
      action: { type: 'expire' },
    });
  });
});

describe('storage', () => {
  it('installs the EBS CSI add-on at the version AWS resolves for the cluster version', () => {
    const lookup = run.calls.find(
      (c) =>
        c.token === 'aws:eks/getAddonVersion:getAddonVersion' && c.inputs.addonName === 'aws-ebs-csi-driver',
    )!;
    expect(lookup.inputs).toMatchObject({ addonName: 'aws-ebs-csi-driver', kubernetesVersion: '1.35' });
    const addon = props('aws:eks/addon:Addon', 'storage-ebs-csi');
    expect(addon.addonName).toBe('aws-ebs-csi-driver');
    expect(addon.addonVersion).toBe(RESOLVED_EBS_CSI_VERSION);
    expect(addon.clusterName).toBe('develeap-eks-cluster');
    expect(addon.serviceAccountRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/storage-ebs-csi`);
  });

  it('creates the add-on only after the node group', () => {
    const addon = one(run.resources, 'aws:eks/addon:Addon', 'storage-ebs-csi');
    const nodeGroup = one(run.resources, 'aws:eks/nodeGroup:NodeGroup');
    expect(named(run.resources, 'aws:eks/addon:Addon', addon.name).options.dependsOn).toContain(
      named(run.resources, 'aws:eks/nodeGroup:NodeGroup', nodeGroup.name).urn,
    );
  });

  it('lets only kube-system/ebs-csi-controller-sa assume the driver role, with the EBS CSI policy', () => {
    const role = props('aws:iam/role:Role', 'ebs-csi');
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC_ISSUER}`;
    const claims = (sub: string) => ({
      [`${OIDC_ISSUER}:sub`]: sub,
      [`${OIDC_ISSUER}:aud`]: 'sts.amazonaws.com',
    });
    expect(
      allowsWebIdentity(
        role.assumeRolePolicy,
        provider,
        claims('system:serviceaccount:kube-system:ebs-csi-controller-sa'),
      ),
    ).toBe(true);
    expect(
      allowsWebIdentity(role.assumeRolePolicy, provider, claims('system:serviceaccount:crm:default')),
    ).toBe(false);
    expect(
      allowsWebIdentity(
        role.assumeRolePolicy,
        provider,
        claims('system:serviceaccount:kube-system:ebs-csi-node-sa'),
      ),
    ).toBe(false);
    const attachment = ofType(run.resources, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').find(
      (a) => a.raw.role === 'storage-ebs-csi',
    )!;
    expect(attachment.raw.policyArn).toBe('arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy');
  });

  it('makes gp3 the encrypted default class, bound on first consumer, expandable', () => {
    const gp3 = props('kubernetes:storage.k8s.io/v1:StorageClass');
    expect(gp3.metadata.name).toBe('gp3');
    expect(gp3.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(gp3.provisioner).toBe('ebs.csi.aws.com');
    expect(gp3.parameters).toMatchObject({ type: 'gp3', encrypted: 'true' });
    expect(gp3.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(gp3.allowVolumeExpansion).toBe(true);
    expect(gp3.reclaimPolicy).toBe('Delete');
  });

  it('creates gp3 only once the EBS CSI add-on (its provisioner) exists', () => {
    const addon = one(run.resources, 'aws:eks/addon:Addon', 'storage-ebs-csi');
    const gp3 = one(run.resources, 'kubernetes:storage.k8s.io/v1:StorageClass');
    expect(
      named(run.resources, 'kubernetes:storage.k8s.io/v1:StorageClass', gp3.name).options.dependsOn,
    ).toContain(named(run.resources, 'aws:eks/addon:Addon', addon.name).urn);
  });

  it('takes the default annotation off gp2, forcing it over the field manager that set it', () => {
    const gp2 = props('kubernetes:storage.k8s.io/v1:StorageClassPatch');
    expect(gp2.metadata.name).toBe('gp2');
    expect(gp2.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('false');
    expect(gp2.metadata.annotations['pulumi.com/patchForce']).toBe('true');
    // Both classes are never default at the same time: gp2 is demoted after gp3 exists.
    const gp3 = one(run.resources, 'kubernetes:storage.k8s.io/v1:StorageClass');
    const patch = one(run.resources, 'kubernetes:storage.k8s.io/v1:StorageClassPatch');
    expect(
      named(run.resources, 'kubernetes:storage.k8s.io/v1:StorageClassPatch', patch.name).options.dependsOn,
    ).toContain(named(run.resources, 'kubernetes:storage.k8s.io/v1:StorageClass', gp3.name).urn);
  });

  it('talks to the new cluster through a provider built from its kubeconfig', async () => {
    const provider = props('pulumi:providers:kubernetes', 'storage-k8s');
    expect(JSON.parse(provider.kubeconfig).users[0].user.exec.args).toContain('develeap-eks-cluster');
  });
});

describe('CI identity (GitHub Actions)', () => {
  const trust = () => props('aws:iam/role:Role', 'ci-github').assumeRolePolicy as string;
  const token = (sub: string, aud = 'sts.amazonaws.com') => ({
    [`${GITHUB}:sub`]: sub,
    [`${GITHUB}:aud`]: aud,
  });

  it('creates the GitHub OIDC provider for the sts.amazonaws.com audience', () => {
    const provider = props('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'github');
    expect(provider.url).toBe('https://token.actions.githubusercontent.com');
    expect(provider.clientIdLists).toEqual(['sts.amazonaws.com']);
  });

  it('admits the configured repository on its branch and environment', () => {
    expect(
      allowsWebIdentity(trust(), GITHUB_PROVIDER_ARN, token('repo:acme/cloudops-crm:ref:refs/heads/main')),
    ).toBe(true);
    expect(
      allowsWebIdentity(trust(), GITHUB_PROVIDER_ARN, token('repo:acme/cloudops-crm:environment:production')),
    ).toBe(true);
  });

  it('refuses other repositories, branches, pull requests, audiences and wildcard-ish subjects', () => {
    const denied = [
      token('repo:evil/cloudops-crm:ref:refs/heads/main'),
      token('repo:acme/other:ref:refs/heads/main'),
      token('repo:acme/cloudops-crm:ref:refs/heads/feature'),
      token('repo:acme/cloudops-crm:ref:refs/heads/main-evil'),
      token('repo:acme/cloudops-crm:pull_request'),
      token('repo:acme/cloudops-crm:environment:staging'),
      token('repo:*:*'),
      token('repo:acme/*:ref:refs/heads/main'),
      token('repo:acme/cloudops-crm:*'),
      token('repo:acme/cloudops-crm:ref:refs/heads/main', 'https://github.com/acme'),
      { [`${GITHUB}:sub`]: 'repo:acme/cloudops-crm:ref:refs/heads/main' },
    ];
    for (const claims of denied) {
      expect(allowsWebIdentity(trust(), GITHUB_PROVIDER_ARN, claims), JSON.stringify(claims)).toBe(false);
    }
    expect(
      allowsWebIdentity(
        trust(),
        'arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com',
        {
          ...token('repo:acme/cloudops-crm:ref:refs/heads/main'),
        },
      ),
    ).toBe(false);
  });

  it('the evaluator itself honours StringLike wildcards (so the checks above can fail)', () => {
    expect(stringLike('repo:*:*', 'repo:evil/x:ref:refs/heads/main')).toBe(true);
    expect(stringLike('repo:acme/crm:ref:refs/heads/?', 'repo:acme/crm:ref:refs/heads/x')).toBe(true);
    expect(stringLike('repo:acme/crm', 'repo:acme/crmx')).toBe(false);
  });

  it('may push to this repository only, and describe this cluster', () => {
    const policy = JSON.parse(props('aws:iam/rolePolicy:RolePolicy', 'ecr-push').policy);
    expect(props('aws:iam/rolePolicy:RolePolicy', 'ecr-push').role).toBe('ci-github-id');
    const statements = policy.Statement as { Action: string | string[]; Resource: string }[];
    const wildcard = statements.filter((s) => s.Resource === '*');
    expect(wildcard).toEqual([expect.objectContaining({ Action: 'ecr:GetAuthorizationToken' })]);
    const push = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('ecr:PutImage'))!;
    expect(push.Resource).toBe(`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/crm-app`);
    expect(push.Action).toEqual(
      expect.arrayContaining([
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:BatchCheckLayerAvailability',
      ]),
    );
    expect(statements.find((s) => s.Action === 'eks:DescribeCluster')!.Resource).toBe(
      `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/develeap-eks-cluster`,
    );
    // The Terraform version attached AmazonEC2ContainerRegistryPowerUser: push to every repository in the account.
    const ciAttachments = ofType(run.resources, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter(
      (a) => a.raw.role === 'ci-github',
    );
    expect(ciAttachments).toEqual([]);
  });
});

describe('Pulumi Deployments identities', () => {
  const trust = (layer: string) =>
    props('aws:iam/role:Role', `ci-deployments-${layer}`).assumeRolePolicy as string;
  const token = (project: string, stack = 'dev', org = 'acme', aud = org) => ({
    'api.pulumi.com/oidc:sub': `pulumi:deploy:org:${org}:project:${project}:stack:${stack}:operation:update:scope:write`,
    'api.pulumi.com/oidc:aud': aud,
  });
  const admits = (layer: string, claims: Record<string, string>) =>
    allowsWebIdentity(trust(layer), PULUMI_PROVIDER_ARN, claims);

  it('registers the Pulumi OIDC issuer with the organisation as audience', () => {
    const provider = props('aws:iam/openIdConnectProvider:OpenIdConnectProvider', 'pulumi');
    expect(provider.url).toBe('https://api.pulumi.com/oidc');
    expect(provider.clientIdLists).toEqual(['acme']);
  });

  it("gives each layer stack a role that admits that stack's deployments only", () => {
    const projects = {
      infra: 'cloudops-crm-infra',
      cluster: 'cloudops-crm-cluster',
      app: 'cloudops-crm-app',
    };
    for (const [layer, project] of Object.entries(projects)) {
      expect(admits(layer, token(project))).toBe(true);
      for (const other of Object.values(projects).filter((p) => p !== project)) {
        expect(admits(layer, token(other))).toBe(false);
      }
      expect(admits(layer, token('cloudops-crm-deployments'))).toBe(false);
      expect(admits(layer, token(project, 'prod'))).toBe(false);
      expect(admits(layer, token(project, 'dev', 'evil'))).toBe(false);
      expect(admits(layer, token(project, 'dev', 'acme', 'evil'))).toBe(false);
    }
  });

  it('keeps AdministratorAccess on the infra role alone; cluster and app get what their programs call', () => {
    const attachments = ofType(run.resources, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter(
      (a) => String(a.raw.role).startsWith('ci-deployments'),
    );
    expect(attachments.map((a) => [a.raw.role, a.raw.policyArn])).toEqual([
      ['ci-deployments-infra', 'arn:aws:iam::aws:policy/AdministratorAccess'],
    ]);
    const actions = (name: string) =>
      (
        JSON.parse(props('aws:iam/rolePolicy:RolePolicy', name).policy) as {
          Statement: { Action: unknown }[];
        }
      ).Statement.flatMap((statement) => statement.Action).sort();
    expect(actions('ci-deployments-cluster')).toEqual([
      'eks:DescribeCluster',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:DescribeTags',
    ]);
    expect(actions('ci-deployments-app')).toEqual([
      'ecr:BatchGetImage',
      'ecr:DescribeImages',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
      'eks:DescribeCluster',
    ]);
  });
});

describe('tags and policies', () => {
  it('tags every taggable AWS resource, and the provider tags the rest by default', () => {
    const untaggable = new Set([
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
      'aws:iam/rolePolicy:RolePolicy',
      'aws:ecr/lifecyclePolicy:LifecyclePolicy',
      'aws:eks/accessPolicyAssociation:AccessPolicyAssociation',
    ]);
    const taggable = run.resources.filter(
      (r) => (r.type.startsWith('aws:') || r.type.startsWith('eks:')) && !untaggable.has(r.type),
    );
    expect(taggable.length).toBeGreaterThan(10);
    for (const resource of taggable) {
      expect(resource.raw.tags, `${resource.type}::${resource.name}`).toMatchObject({
        Project: 'cloudops-crm',
        ManagedBy: 'pulumi',
        Stack: 'test',
      });
    }
    const provider = props('pulumi:providers:aws');
    expect(provider.region).toBe('us-east-1');
    expect(JSON.parse(provider.defaultTags).tags).toMatchObject({ Project: 'cloudops-crm' });
  });

  it('passes every rule of the policy pack', () => {
    expect(run.resources.length).toBeGreaterThan(20);
    expect(evaluatePolicies(policyResources(run.resources))).toEqual([]);
  });
});
