import {
  ConfigError,
  type ConfigReader,
  type ConfigSource,
  configReader,
  type Format,
} from '@cloudops-crm/stack-config';
import * as pulumi from '@pulumi/pulumi';

export type { ConfigSource };

const PROJECT = 'cloudops-crm-infra';

export type CapacityType = 'ON_DEMAND' | 'SPOT';

/** TLS on the public endpoint: a certificate for the domain, requested and DNS-validated in the zone, or existing. */
export type PublicTlsConfig =
  | { domain: string; route53ZoneId: string }
  | { domain: string; certificateArn: string };

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
  /** Pinned CoreDNS add-on version; when undefined AWS's default version for kubernetesVersion is used. */
  corednsAddonVersion: string | undefined;
  /** TLS on the public endpoint; undefined leaves it plain HTTP. */
  tls: PublicTlsConfig | undefined;
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
    /** Name of the layer stacks Deployments runs (each layer's stack has it); a role per layer trusts only it. */
    stack: string;
    /** Managed policies of the infra layer's Deployments role. */
    deploymentsPolicyArns: string[];
  };
  /** Namespace of the app: the CI role and the app layer's Deployments role may change it and nothing else. */
  appNamespace: string;
  tags: Record<string, string>;
}

/**
 * Options of the cluster's VPC CNI. Prefix delegation stays off: on t3a.medium it would raise max pods from 17 to 110,
 * and the kube-reserved memory that grows with max pods would leave each node 1023 MiB less than the platform needs
 * (cluster/capacity.ts derives the node from this; cluster/README.md "Capacity").
 */
export const VPC_CNI_OPTIONS: { enableNetworkPolicy: boolean; enablePrefixDelegation?: boolean } = {
  // The VPC CNI accepts NetworkPolicy objects without enforcing them unless this is on; the cluster layer's
  // MongoDB policy relies on it.
  enableNetworkPolicy: true,
};

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
const AWS_REGION: Format = {
  pattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d$/,
  description: 'an AWS region of the aws partition such as us-east-1 (GovCloud and China are not supported)',
};
const IAM_PRINCIPAL_ARN: Format = {
  pattern: /^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
  description: 'an IAM role or user ARN',
};
const GITHUB_OIDC_PROVIDER_ARN: Format = {
  pattern: /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
  description: 'the ARN of the token.actions.githubusercontent.com OIDC provider',
};
const PULUMI_OIDC_PROVIDER_ARN: Format = {
  pattern: /^arn:aws:iam::\d{12}:oidc-provider\/api\.pulumi\.com\/oidc$/,
  description: 'the ARN of the api.pulumi.com/oidc OIDC provider',
};
const DNS_NAME: Format = {
  pattern: /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
  description: 'a lower-case DNS name such as crm.example.com',
};
const ROUTE53_ZONE_ID: Format = {
  pattern: /^Z[A-Z0-9]{1,31}$/,
  description: 'a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ',
};
const ACM_CERTIFICATE_ARN: Format = {
  pattern: /^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
  description: 'an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/<uuid>',
};
const ADDON_VERSION: Format = {
  pattern: /^v\d+\.\d+\.\d+-eksbuild\.\d+$/,
  description: 'an add-on version such as v1.37.0-eksbuild.1',
};
const IAM_POLICY_ARN: Format = {
  pattern: /^arn:aws:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/,
  description: 'an IAM policy ARN',
};

/** The domain with exactly one source of its certificate, in the stack's region; nothing when no domain is set. */
function publicTls(read: ConfigReader, region: string): PublicTlsConfig | undefined {
  const domain = read.optional('publicDomain', DNS_NAME);
  const route53ZoneId = read.optional('route53ZoneId', ROUTE53_ZONE_ID);
  const certificateArn = read.optional('tlsCertificateArn', ACM_CERTIFICATE_ARN);
  if (domain === undefined) {
    for (const [key, value] of [
      ['route53ZoneId', route53ZoneId],
      ['tlsCertificateArn', certificateArn],
    ] as const) {
      if (value !== undefined) throw new ConfigError(PROJECT, key, 'is only used together with publicDomain');
    }
    return undefined;
  }
  if (route53ZoneId !== undefined && certificateArn !== undefined) {
    throw new ConfigError(
      PROJECT,
      'tlsCertificateArn',
      'set either route53ZoneId (a certificate is requested and validated there) or tlsCertificateArn, not both',
    );
  }
  if (certificateArn !== undefined) {
    // An NLB listener takes certificates of its own region only.
    const certificateRegion = certificateArn.split(':')[3];
    if (certificateRegion !== region) {
      throw new ConfigError(
        PROJECT,
        'tlsCertificateArn',
        `is in ${certificateRegion}; the load balancer in ${region} needs a certificate of that region`,
      );
    }
    return { domain, certificateArn };
  }
  if (route53ZoneId === undefined) {
    throw new ConfigError(
      PROJECT,
      'publicDomain',
      'needs route53ZoneId (the hosted zone to validate a new certificate in) or tlsCertificateArn (an existing one)',
    );
  }
  return { domain, route53ZoneId };
}

/** Builds and validates the layer's configuration; throws ConfigError naming the offending key. */
export function loadConfig(source: ConfigSource = new pulumi.Config(PROJECT)): InfraConfig {
  const read = configReader(source, PROJECT);

  const region = read.string('region', 'us-east-1', AWS_REGION);
  const clusterName = read.string('clusterName', 'develeap-eks-cluster', {
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$/,
    description: 'a valid EKS cluster name (letters, digits, - and _, max 100)',
  });
  const kubernetesVersion = read.string('kubernetesVersion', '1.35', {
    pattern: /^1\.\d{2}$/,
    description: 'a Kubernetes minor version such as 1.35',
  });

  const capacityType = read.string('nodeCapacityType', 'ON_DEMAND', {
    pattern: /^(ON_DEMAND|SPOT)$/,
    description: 'ON_DEMAND or SPOT',
  }) as CapacityType;
  const minSize = read.integer('nodeMinSize', 1, 0, 100);
  const maxSize = read.integer('nodeMaxSize', 2, 1, 100);
  const desiredSize = read.integer('nodeDesiredSize', 2, 0, 100);
  if (minSize > maxSize)
    throw new ConfigError(PROJECT, 'nodeMinSize', `${minSize} is larger than nodeMaxSize ${maxSize}`);
  if (desiredSize < minSize || desiredSize > maxSize) {
    throw new ConfigError(
      PROJECT,
      'nodeDesiredSize',
      `${desiredSize} is not between nodeMinSize and nodeMaxSize`,
    );
  }

  const clusterLogRetentionDays = read.integer('clusterLogRetentionDays', 30, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(clusterLogRetentionDays)) {
    throw new ConfigError(
      PROJECT,
      'clusterLogRetentionDays',
      `${clusterLogRetentionDays} is not a CloudWatch retention period (${LOG_RETENTION_DAYS.join(', ')})`,
    );
  }

  const zoneOverride = read.json('eksUnsupportedZoneIds');
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
        PROJECT,
        'eksUnsupportedZoneIds',
        'must map regions to lists of zone IDs such as use1-az3',
      );
    }
    eksUnsupportedZoneIds = zoneOverride as Record<string, string[]>;
  }

  const pulumiOrganization = read.optional('pulumiOrganization', {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    description: 'a Pulumi organisation name',
  });
  const pulumiOidcProviderArn = read.optional('pulumiOidcProviderArn', PULUMI_OIDC_PROVIDER_ARN);
  if (pulumiOidcProviderArn && !pulumiOrganization) {
    throw new ConfigError(PROJECT, 'pulumiOidcProviderArn', 'is only used together with pulumiOrganization');
  }

  const tags = { Project: 'cloudops-crm', ManagedBy: 'pulumi', ...read.map('tags') };

  return {
    region,
    clusterName,
    kubernetesVersion,
    node: {
      instanceType: read.string('nodeInstanceType', 't3a.medium', {
        pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
        description: 'an EC2 instance type',
      }),
      capacityType,
      desiredSize,
      minSize,
      maxSize,
      diskSizeGiB: read.integer('nodeDiskSizeGiB', 20, 20, 1000),
    },
    clusterLogRetentionDays,
    eksUnsupportedZoneIds,
    adminPrincipalArns: read.list('adminPrincipalArns', [], IAM_PRINCIPAL_ARN),
    ecr: {
      repositoryName: read.string('ecrRepositoryName', 'crm-app', {
        pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
        description: 'a valid ECR repository name',
      }),
      keepLastImages: read.integer('ecrKeepLastImages', 30, 1, 1000),
      untaggedExpiryDays: read.integer('ecrUntaggedExpiryDays', 1, 1, 365),
    },
    ebsCsiAddonVersion: read.optional('ebsCsiAddonVersion', ADDON_VERSION),
    corednsAddonVersion: read.optional('corednsAddonVersion', ADDON_VERSION),
    tls: publicTls(read, region),
    github: {
      repository: read.required('githubRepository', {
        pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/,
        description: 'owner/name of the GitHub repository, no wildcards',
      }),
      branch: read.string('githubBranch', 'main', {
        pattern: /^[A-Za-z0-9._/-]+$/,
        description: 'a branch name without wildcards',
      }),
      environment: read.optional('githubEnvironment', {
        pattern: /^[A-Za-z0-9._-]+$/,
        description: 'a GitHub environment name',
      }),
      oidcProviderArn: read.optional('githubOidcProviderArn', GITHUB_OIDC_PROVIDER_ARN),
    },
    pulumi: {
      organization: pulumiOrganization,
      oidcProviderArn: pulumiOidcProviderArn,
      stack: read.string('pulumiStack', pulumi.getStack(), {
        pattern: /^[A-Za-z0-9_.-]+$/,
        description: 'a stack name without wildcards',
      }),
      deploymentsPolicyArns: read.list(
        'pulumiDeploymentsPolicyArns',
        ['arn:aws:iam::aws:policy/AdministratorAccess'],
        IAM_POLICY_ARN,
      ),
    },
    appNamespace: read.string('appNamespace', 'crm', {
      pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
      description: 'a Kubernetes namespace name',
    }),
    tags,
  };
}
