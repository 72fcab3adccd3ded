import * as pulumi from '@pulumi/pulumi';

/** Thrown when a stack configuration value is missing or malformed; the message names the key. */
export class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid configuration 'cloudops-crm-infra:${key}': ${problem}`);
    this.name = 'ConfigError';
  }
}

export type CapacityType = 'ON_DEMAND' | 'SPOT';

export interface InfraConfig {
  region: string;
  clusterName: string;
  kubernetesVersion: string;
  node: {
    instanceType: string;
    capacityType: CapacityType;
    desiredSize: number;
    minSize: number;
    maxSize: number;
    diskSizeGiB: number;
  };
  clusterLogRetentionDays: number;
  /** Availability Zone IDs per region in which EKS cannot place a control plane. */
  eksUnsupportedZoneIds: Record<string, string[]>;
  adminPrincipalArns: string[];
  ecr: {
    repositoryName: string;
    keepLastImages: number;
    untaggedExpiryDays: number;
  };
  /** Pinned EBS CSI add-on version; when undefined AWS's default version for kubernetesVersion is used. */
  ebsCsiAddonVersion: string | undefined;
  github: {
    repository: string;
    branch: string;
    environment: string | undefined;
    /** ARN of an existing token.actions.githubusercontent.com provider; one is created when undefined. */
    oidcProviderArn: string | undefined;
  };
  pulumi: {
    /** Pulumi Cloud organisation; the Deployments role is only created when set. */
    organization: string | undefined;
    /** ARN of an existing api.pulumi.com/oidc provider; one is created when undefined. */
    oidcProviderArn: string | undefined;
    projects: string[];
    deploymentsPolicyArns: string[];
  };
  tags: Record<string, string>;
}

/**
 * Zone IDs (not names: names are shuffled per account) that EKS rejects for cluster subnets,
 * from "View Amazon EKS networking requirements for VPC and subnets" in the EKS User Guide.
 */
export const DEFAULT_EKS_UNSUPPORTED_ZONE_IDS: Record<string, string[]> = {
  'us-east-1': ['use1-az3'],
  'us-west-1': ['usw1-az2'],
  'ca-central-1': ['cac1-az3'],
};

// CloudWatch Logs accepts only these retention periods.
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

// The layer writes `arn:aws:` ARNs (managed policies, access policies), so it serves the aws partition only:
// regions, principals and policies of aws-us-gov or aws-cn are refused rather than deployed half-broken.
const AWS_REGION = /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d$/;
const IAM_PRINCIPAL_ARN = /^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;
const GITHUB_OIDC_PROVIDER_ARN =
  /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const PULUMI_OIDC_PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/api\.pulumi\.com\/oidc$/;
const IAM_POLICY_ARN = /^arn:aws:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

/** Reads raw values; a Pulumi config namespace in the program, anything with the same shape in tests. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

class Reader {
  constructor(private readonly source: ConfigSource) {}

  string(key: string, fallback: string, pattern?: RegExp, hint?: string): string {
    const raw = this.source.get(key);
    const value = raw === undefined || raw === '' ? fallback : raw.trim();
    if (pattern && !pattern.test(value)) {
      throw new ConfigError(key, `'${value}' is not ${hint ?? `matching ${pattern}`}`);
    }
    return value;
  }

  requiredString(key: string, pattern: RegExp, hint: string): string {
    const raw = this.source.get(key);
    if (raw === undefined || raw.trim() === '') {
      throw new ConfigError(key, `a value is required (${hint})`);
    }
    return this.string(key, '', pattern, hint);
  }

  optionalString(key: string, pattern: RegExp, hint: string): string | undefined {
    const raw = this.source.get(key);
    if (raw === undefined || raw.trim() === '') return undefined;
    return this.string(key, '', pattern, hint);
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const raw = this.source.get(key);
    if (raw === undefined || raw === '') return fallback;
    if (!/^-?\d+$/.test(raw.trim())) {
      throw new ConfigError(key, `'${raw}' is not an integer`);
    }
    const value = Number(raw);
    if (value < min || value > max) {
      throw new ConfigError(key, `${value} is outside ${min}..${max}`);
    }
    return value;
  }

  json(key: string): unknown {
    const raw = this.source.get(key);
    if (raw === undefined || raw === '') return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      throw new ConfigError(key, 'is not valid JSON (use a YAML list or map in the stack file)');
    }
  }

  stringList(key: string, fallback: string[], pattern: RegExp, hint: string): string[] {
    const value = this.json(key);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new ConfigError(key, 'must be a list of strings');
    }
    for (const item of value as string[]) {
      if (!pattern.test(item)) throw new ConfigError(key, `'${item}' is not ${hint}`);
    }
    return value as string[];
  }

  stringMap(key: string): Record<string, string> {
    const value = this.json(key);
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(key, 'must be a map of strings');
    }
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new ConfigError(key, `entry '${k}' must be a string`);
    }
    return value as Record<string, string>;
  }
}

/** Builds and validates the layer's configuration; throws ConfigError naming the offending key. */
export function loadConfig(source: ConfigSource = new pulumi.Config('cloudops-crm-infra')): InfraConfig {
  const r = new Reader(source);

  const region = r.string(
    'region',
    'us-east-1',
    AWS_REGION,
    'an AWS region of the aws partition such as us-east-1 (GovCloud and China are not supported)',
  );
  const clusterName = r.string(
    'clusterName',
    'develeap-eks-cluster',
    /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/,
    'a valid EKS cluster name (letters, digits, - and _, max 100)',
  );
  const kubernetesVersion = r.string(
    'kubernetesVersion',
    '1.35',
    /^1\.\d{2}$/,
    'a Kubernetes minor version such as 1.35',
  );

  const capacityType = r.string('nodeCapacityType', 'ON_DEMAND', /^(ON_DEMAND|SPOT)$/, 'ON_DEMAND or SPOT');
  const minSize = r.integer('nodeMinSize', 1, 0, 100);
  const maxSize = r.integer('nodeMaxSize', 2, 1, 100);
  const desiredSize = r.integer('nodeDesiredSize', 2, 0, 100);
  if (minSize > maxSize)
    throw new ConfigError('nodeMinSize', `${minSize} is larger than nodeMaxSize ${maxSize}`);
  if (desiredSize < minSize || desiredSize > maxSize) {
    throw new ConfigError('nodeDesiredSize', `${desiredSize} is not between nodeMinSize and nodeMaxSize`);
  }

  const clusterLogRetentionDays = r.integer('clusterLogRetentionDays', 30, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(clusterLogRetentionDays)) {
    throw new ConfigError(
      'clusterLogRetentionDays',
      `${clusterLogRetentionDays} is not a CloudWatch retention period (${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }

  const zoneOverride = r.json('eksUnsupportedZoneIds');
  let eksUnsupportedZoneIds = DEFAULT_EKS_UNSUPPORTED_ZONE_IDS;
  if (zoneOverride !== undefined) {
    const valid =
      typeof zoneOverride === 'object' &&
      zoneOverride !== null &&
      !Array.isArray(zoneOverride) &&
      Object.values(zoneOverride).every(
        (ids) => Array.isArray(ids) && ids.every((id) => /^[a-z0-9]+-az\d+$/.test(id)),
      );
    if (!valid) {
      throw new ConfigError(
        'eksUnsupportedZoneIds',
        'must map regions to lists of zone IDs such as use1-az3',
      );
    }
    eksUnsupportedZoneIds = zoneOverride as Record<string, string[]>;
  }

  const pulumiOrganization = r.optionalString(
    'pulumiOrganization',
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'a Pulumi organisation name',
  );
  const pulumiOidcProviderArn = r.optionalString(
    'pulumiOidcProviderArn',
    PULUMI_OIDC_PROVIDER_ARN,
    'the ARN of the api.pulumi.com/oidc OIDC provider',
  );
  if (pulumiOidcProviderArn && !pulumiOrganization) {
    throw new ConfigError('pulumiOidcProviderArn', 'is only used together with pulumiOrganization');
  }

  const tags = { Project: 'cloudops-crm', ManagedBy: 'pulumi', ...r.stringMap('tags') };

  return {
    region,
    clusterName,
    kubernetesVersion,
    node: {
      instanceType: r.string(
        'nodeInstanceType',
        't3a.medium',
        /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
        'an EC2 instance type',
      ),
      capacityType: capacityType as CapacityType,
      desiredSize,
      minSize,
      maxSize,
      diskSizeGiB: r.integer('nodeDiskSizeGiB', 20, 20, 1000),
    },
    clusterLogRetentionDays,
    eksUnsupportedZoneIds,
    adminPrincipalArns: r.stringList('adminPrincipalArns', [], IAM_PRINCIPAL_ARN, 'an IAM role or user ARN'),
    ecr: {
      repositoryName: r.string(
        'ecrRepositoryName',
        'crm-app',
        /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
        'a valid ECR repository name',
      ),
      keepLastImages: r.integer('ecrKeepLastImages', 30, 1, 1000),
      untaggedExpiryDays: r.integer('ecrUntaggedExpiryDays', 1, 1, 365),
    },
    ebsCsiAddonVersion: r.optionalString(
      'ebsCsiAddonVersion',
      /^v\d+\.\d+\.\d+-eksbuild\.\d+$/,
      'an add-on version such as v1.37.0-eksbuild.1',
    ),
    github: {
      repository: r.requiredString(
        'githubRepository',
        /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/,
        'owner/name of the GitHub repository, no wildcards',
      ),
      branch: r.string('githubBranch', 'main', /^[A-Za-z0-9._/-]+$/, 'a branch name without wildcards'),
      environment: r.optionalString('githubEnvironment', /^[A-Za-z0-9._-]+$/, 'a GitHub environment name'),
      oidcProviderArn: r.optionalString(
        'githubOidcProviderArn',
        GITHUB_OIDC_PROVIDER_ARN,
        'the ARN of the token.actions.githubusercontent.com OIDC provider',
      ),
    },
    pulumi: {
      organization: pulumiOrganization,
      oidcProviderArn: pulumiOidcProviderArn,
      projects: r.stringList(
        'pulumiProjects',
        ['cloudops-crm-infra', 'cloudops-crm-cluster', 'cloudops-crm-app', 'cloudops-crm-deployments'],
        /^[A-Za-z0-9_.-]+$/,
        'a Pulumi project name without wildcards',
      ),
      deploymentsPolicyArns: r.stringList(
        'pulumiDeploymentsPolicyArns',
        ['arn:aws:iam::aws:policy/AdministratorAccess'],
        IAM_POLICY_ARN,
        'an IAM policy ARN',
      ),
    },
    tags,
  };
}
