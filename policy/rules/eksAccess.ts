import { asArray, isRecord, policyDocument, type RuleArgs, stackRule } from './types';

const ADMIN_POLICIES = [
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy',
];
const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

/** Roles GitHub Actions jobs assume: their trust policy federates GitHub's OIDC issuer. */
function githubRoleArns(resources: RuleArgs[]): Map<string, string> {
  const roles = new Map<string, string>();
  for (const { type, name, props } of resources) {
    if (type !== 'aws:iam/role:Role' || typeof props.arn !== 'string') continue;
    const statements = asArray(policyDocument(props.assumeRolePolicy)?.Statement);
    const trustsGithub = statements.some(
      (s) =>
        isRecord(s) && isRecord(s.Principal) && String(s.Principal.Federated ?? '').includes(GITHUB_ISSUER),
    );
    if (trustsGithub) roles.set(props.arn, name);
  }
  return roles;
}

/**
 * A CI job that can administer the whole cluster can read every Secret in it (database root password, the
 * Elasticsearch superuser, Grafana's admin); rolling out the app needs its namespace only. A role is a CI
 * principal when GitHub's OIDC issuer can assume it; a new role whose ARN is not known yet is judged once it is.
 */
export const noClusterAdminForCi = stackRule(
  'eks-no-cluster-admin-for-ci',
  'EKS access policies for roles that GitHub Actions assumes must be scoped to namespaces, not cluster-wide admin.',
  (resources, report) => {
    const ciRoles = githubRoleArns(resources);
    for (const { type, name, props } of resources) {
      if (type !== 'aws:eks/accessPolicyAssociation:AccessPolicyAssociation') continue;
      const role = ciRoles.get(String(props.principalArn));
      if (!role || !ADMIN_POLICIES.includes(String(props.policyArn))) continue;
      const scope = isRecord(props.accessScope) ? props.accessScope.type : undefined;
      if (scope !== 'namespace') {
        report(
          `${name} gives the GitHub Actions role ${role} ${String(props.policyArn).split('/').pop()} on the whole cluster`,
        );
      }
    }
  },
);
