import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { InfraConfig } from '../config';
import { grantClusterAdmin, grantNamespaceEdit } from './cluster';
import {
  GITHUB_OIDC_HOST,
  githubTrustPolicy,
  type PolicyDocument,
  PULUMI_OIDC_HOST,
  pulumiDeploymentsTrustPolicy,
} from './trustPolicies';

export interface CiAccessArgs {
  clusterName: pulumi.Input<string>;
  clusterArn: pulumi.Input<string>;
  repositoryArn: pulumi.Input<string>;
  /** Its oidcProviderArn reuses this account's GitHub provider (one per URL); one is created when undefined. */
  github: InfraConfig['github'];
  /** Namespace the app layer deploys into: the only one the CI and app-layer identities may change. */
  appNamespace: string;
  pulumi: {
    organization: string | undefined;
    /** Reuse this account's existing Pulumi provider (one per URL as well); created when undefined. */
    oidcProviderArn: string | undefined;
    /** The layer stacks' name (every layer's stack has it) and each layer's project. */
    stack: string;
    projects: Record<DeploymentsLayer, string>;
    /** Managed policies of the infra layer's role, which creates IAM roles, the VPC's EKS cluster and ECR. */
    infraPolicyArns: string[];
  };
  tags: Record<string, string>;
}

export type DeploymentsLayer = 'infra' | 'cluster' | 'app';

/**
 * OIDC identities for the GitHub workflows and, optionally, Pulumi Deployments: one role per layer stack, each
 * trusting only that stack's tokens and holding only what that layer does. No long-lived keys.
 */
export class CiAccess extends pulumi.ComponentResource {
  readonly githubOidcProviderArn: pulumi.Output<string>;
  readonly ciRole: aws.iam.Role;
  readonly deploymentsRoles: Record<DeploymentsLayer, aws.iam.Role> | undefined;

  constructor(name: string, args: CiAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:CiAccess', name, {}, opts);

    // IAM allows one provider per issuer URL in an account: creating it when it already exists fails with
    // EntityAlreadyExists, hence the reuse keys (see README, "Stack order").
    this.githubOidcProviderArn = args.github.oidcProviderArn
      ? pulumi.output(args.github.oidcProviderArn)
      : new aws.iam.OpenIdConnectProvider(
          `${name}-github`,
          { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ['sts.amazonaws.com'], tags: args.tags },
          { parent: this },
        ).arn;

    const { repository, branch, environment } = args.github;
    this.ciRole = new aws.iam.Role(
      `${name}-github`,
      {
        description: `GitHub Actions of ${repository} (${branch}${environment ? `, environment ${environment}` : ''})`,
        assumeRolePolicy: this.githubOidcProviderArn.apply((arn) =>
          JSON.stringify(githubTrustPolicy(arn, repository, branch, environment)),
        ),
        maxSessionDuration: 3600,
        tags: args.tags,
      },
      { parent: this },
    );

    new aws.iam.RolePolicy(
      `${name}-github-ecr-push`,
      {
        role: this.ciRole.id,
        policy: pulumi
          .all([args.repositoryArn, args.clusterArn])
          .apply(([repoArn, clusterArn]) => JSON.stringify(ciPermissions(repoArn, clusterArn))),
      },
      { parent: this },
    );
    // The workflow rolls out the app: its namespace only, never the cluster's Secrets or other namespaces.
    grantNamespaceEdit(
      `${name}-github`,
      args.clusterName,
      this.ciRole.arn,
      args.appNamespace,
      args.tags,
      this,
    );

    const org = args.pulumi.organization;
    if (org) {
      const providerArn = args.pulumi.oidcProviderArn
        ? pulumi.output(args.pulumi.oidcProviderArn)
        : new aws.iam.OpenIdConnectProvider(
            `${name}-pulumi`,
            { url: `https://${PULUMI_OIDC_HOST}`, clientIdLists: [org], tags: args.tags },
            { parent: this },
          ).arn;
      const role = (layer: DeploymentsLayer) => {
        const project = args.pulumi.projects[layer];
        return new aws.iam.Role(
          `${name}-deployments-${layer}`,
          {
            description: `Pulumi Deployments of ${org}/${project}/${args.pulumi.stack}`,
            assumeRolePolicy: providerArn.apply((arn) =>
              JSON.stringify(pulumiDeploymentsTrustPolicy(arn, org, project, args.pulumi.stack)),
            ),
            maxSessionDuration: 3600,
            tags: args.tags,
          },
          { parent: this },
        );
      };
      const roles = { infra: role('infra'), cluster: role('cluster'), app: role('app') };
      this.deploymentsRoles = roles;

      // infra creates IAM roles and OIDC providers, which is as good as administrator anyway (see README).
      args.pulumi.infraPolicyArns.forEach((policyArn, i) => {
        new aws.iam.RolePolicyAttachment(
          `${name}-deployments-infra-${i}`,
          { role: roles.infra.name, policyArn },
          { parent: this },
        );
      });
      grantClusterAdmin(`${name}-deployments-infra`, args.clusterName, roles.infra.arn, args.tags, this);

      // cluster installs the platform (CRDs, cluster roles, every namespace) and, on destroy, waits for AWS to
      // remove the load balancers it made.
      new aws.iam.RolePolicy(
        `${name}-deployments-cluster`,
        {
          role: roles.cluster.id,
          policy: pulumi
            .output(args.clusterArn)
            .apply((clusterArn) => JSON.stringify(clusterLayerPermissions(clusterArn))),
        },
        { parent: this },
      );
      grantClusterAdmin(`${name}-deployments-cluster`, args.clusterName, roles.cluster.arn, args.tags, this);

      // app deploys an image CI published: it reads the repository and changes its own namespace.
      new aws.iam.RolePolicy(
        `${name}-deployments-app`,
        {
          role: roles.app.id,
          policy: pulumi
            .all([args.repositoryArn, args.clusterArn])
            .apply(([repoArn, clusterArn]) => JSON.stringify(appLayerPermissions(repoArn, clusterArn))),
        },
        { parent: this },
      );
      grantNamespaceEdit(
        `${name}-deployments-app`,
        args.clusterName,
        roles.app.arn,
        args.appNamespace,
        args.tags,
        this,
      );
    }

    this.registerOutputs({
      ciRoleArn: this.ciRole.arn,
      deploymentsRoleArns: this.deploymentsRoles && {
        infra: this.deploymentsRoles.infra.arn,
        cluster: this.deploymentsRoles.cluster.arn,
        app: this.deploymentsRoles.app.arn,
      },
    });
  }
}

/** Push (and the existence check before it) on this one repository, plus the cluster lookup kubeconfig needs. */
export function ciPermissions(repositoryArn: string, clusterArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      // GetAuthorizationToken has no resource-level permissions; the token alone grants nothing.
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'EcrPushThisRepository',
        Effect: 'Allow',
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:BatchGetImage',
          'ecr:CompleteLayerUpload',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ecr:InitiateLayerUpload',
          'ecr:PutImage',
          'ecr:UploadLayerPart',
        ],
        Resource: repositoryArn,
      },
      { Sid: 'DescribeThisCluster', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: clusterArn },
    ],
  };
}

/** The cluster lookup kubeconfig needs, and the load balancer listing of the destroy-time cleanup. */
export function clusterLayerPermissions(clusterArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DescribeThisCluster', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: clusterArn },
      // Describe calls of Elastic Load Balancing have no resource-level permissions.
      {
        Sid: 'ListLoadBalancersForCleanup',
        Effect: 'Allow',
        Action: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeTags'],
        Resource: '*',
      },
    ],
  };
}

/** Reading the published images of this one repository, and the cluster lookup. */
export function appLayerPermissions(repositoryArn: string, clusterArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      {
        Sid: 'EcrReadThisRepository',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer'],
        Resource: repositoryArn,
      },
      { Sid: 'DescribeThisCluster', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: clusterArn },
    ],
  };
}
