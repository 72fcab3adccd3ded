/**
 * IAM trust policy documents for OIDC federation. They are pure functions so tests can evaluate the exact
 * documents against sample token claims.
 */

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const PULUMI_OIDC_HOST = 'api.pulumi.com/oidc';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { Federated?: string; Service?: string; AWS?: string };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Subjects GitHub puts in `sub` for workflows on the branch, and for jobs bound to the environment. */
export function githubSubjects(repository: string, branch: string, environment?: string): string[] {
  const subjects = [`repo:${repository}:ref:refs/heads/${branch}`];
  if (environment) subjects.push(`repo:${repository}:environment:${environment}`);
  return subjects;
}

export function githubTrustPolicy(
  providerArn: string,
  repository: string,
  branch: string,
  environment?: string,
): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsForConfiguredRepository',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          // Exact matches only: a StringLike pattern here is how `repo:*:*` trusted every repository on GitHub.
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: githubSubjects(repository, branch, environment),
          },
        },
      },
    ],
  };
}

/**
 * Pulumi Deployments tokens carry `pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:<scope>`;
 * organisation, project and stack are pinned, so a role serves one layer stack and nothing else; the operation
 * (preview, update, destroy, refresh) may vary.
 */
export function pulumiDeploymentsTrustPolicy(
  providerArn: string,
  organization: string,
  project: string,
  stack: string,
): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PulumiDeploymentsForThisStack',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${PULUMI_OIDC_HOST}:aud`]: organization },
          StringLike: {
            [`${PULUMI_OIDC_HOST}:sub`]: `pulumi:deploy:org:${organization}:project:${project}:stack:${stack}:*`,
          },
        },
      },
    ],
  };
}

/** IRSA trust for one Kubernetes service account; `issuer` is the cluster's OIDC issuer without https://. */
export function serviceAccountTrustPolicy(
  providerArn: string,
  issuer: string,
  namespace: string,
  serviceAccount: string,
): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer}:aud`]: 'sts.amazonaws.com',
            [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
          },
        },
      },
    ],
  };
}

export function servicePrincipalTrustPolicy(service: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}
