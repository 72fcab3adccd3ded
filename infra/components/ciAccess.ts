import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { InfraConfig } from '../config';
import { grantClusterAdmin } from './cluster';
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
  pulumi: {
    organization: string | undefined;
    /** Reuse this account's existing Pulumi provider (one per URL as well); created when undefined. */
    oidcProviderArn: string | undefined;
    projects: string[];
    policyArns: string[];
  };
  tags: Record<string, string>;
}

/** OIDC identities for the GitHub workflows and, optionally, Pulumi Deployments. No long-lived keys. */
export class CiAccess extends pulumi.ComponentResource {
  readonly githubOidcProviderArn: pulumi.Output<string>;
  readonly ciRole: aws.iam.Role;
  readonly deploymentsRole: aws.iam.Role | undefined;

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
    grantClusterAdmin(`${name}-github`, args.clusterName, this.ciRole.arn, args.tags, this);

    const org = args.pulumi.organization;
    if (org) {
      const providerArn = args.pulumi.oidcProviderArn
        ? pulumi.output(args.pulumi.oidcProviderArn)
        : new aws.iam.OpenIdConnectProvider(
            `${name}-pulumi`,
            { url: `https://${PULUMI_OIDC_HOST}`, clientIdLists: [org], tags: args.tags },
            { parent: this },
          ).arn;
      this.deploymentsRole = new aws.iam.Role(
        `${name}-pulumi-deployments`,
        {
          description: `Pulumi Deployments of ${org} for ${args.pulumi.projects.join(', ')}`,
          assumeRolePolicy: providerArn.apply((arn) =>
            JSON.stringify(pulumiDeploymentsTrustPolicy(arn, org, args.pulumi.projects)),
          ),
          maxSessionDuration: 3600,
          tags: args.tags,
        },
        { parent: this },
      );
      args.pulumi.policyArns.forEach((policyArn, i) => {
        new aws.iam.RolePolicyAttachment(
          `${name}-pulumi-deployments-${i}`,
          { role: this.deploymentsRole!.name, policyArn },
          { parent: this },
        );
      });
      grantClusterAdmin(
        `${name}-pulumi-deployments`,
        args.clusterName,
        this.deploymentsRole.arn,
        args.tags,
        this,
      );
    }

    this.registerOutputs({
      ciRoleArn: this.ciRole.arn,
      deploymentsRoleArn: this.deploymentsRole?.arn,
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
