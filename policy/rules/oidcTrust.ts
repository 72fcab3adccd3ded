import { asArray, isRecord, policyDocument, rule } from './types';

const WILDCARD = /[*?]/;

/**
 * Why a `sub` condition value admits tokens from outside the intended scope, or undefined when it is pinned.
 * - GitHub (`repo:<owner>/<repo>:…`) and Kubernetes (`system:serviceaccount:<ns>:<name>`) subjects must be
 *   literal throughout: a trailing `*` on a GitHub subject admits pull_request tokens, every branch and every
 *   environment of the repository, i.e. anyone who can open a pull request.
 * - Pulumi Deployments subjects (`pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:…`) must name
 *   organisation, project and stack; only what follows (operation, scope) may vary.
 * - Any other issuer: no `:`-separated segment but the last may hold a wildcard.
 */
export function wildcardSubject(subject: string): string | undefined {
  if (/^[*?]+$/.test(subject)) return 'matches every subject';
  const parts = subject.split(':');
  const literal = (indexes: number[]) =>
    indexes.every((i) => parts[i] !== undefined && !WILDCARD.test(parts[i]!));
  if (parts[0] === 'repo') {
    if (!(literal([1]) && /^[^/]+\/[^/]+$/.test(parts[1]!))) return 'repository owner/name is not literal';
    return WILDCARD.test(subject)
      ? 'a wildcard in a GitHub subject admits pull_request tokens and other branches or environments'
      : undefined;
  }
  if (parts[0] === 'system' && parts[1] === 'serviceaccount') {
    return literal([2, 3]) && !WILDCARD.test(subject)
      ? undefined
      : 'namespace or service account is not literal';
  }
  // Only the tail may vary (operation, scope; or the last segment of another issuer's subject).
  const widened = parts.slice(0, -1).findIndex((part) => WILDCARD.test(part));
  if (parts[0] === 'pulumi' && parts[1] === 'deploy') {
    if (!(parts[2] === 'org' && parts[4] === 'project' && literal([3, 5])))
      return 'organisation or project is not literal';
    if (!(parts[6] === 'stack' && literal([7])))
      return 'the stack is not literal: every stack of the project matches';
  }
  if (widened >= 0)
    return `segment ${widened + 1} ("${parts[widened]}") is a wildcard; only the last may be one`;
  return WILDCARD.test(parts[0] ?? '') ? 'starts with a wildcard' : undefined;
}

/** The Allow statements of a trust policy that let tokens of an OIDC provider assume the role. */
function webIdentityStatements(
  assumeRolePolicy: unknown,
): { index: number; statement: Record<string, unknown> }[] {
  const document = policyDocument(assumeRolePolicy);
  if (!document) return [];
  return asArray(document.Statement).flatMap((statement, index) => {
    if (!isRecord(statement) || statement.Effect !== 'Allow') return [];
    const principal = statement.Principal;
    if (!isRecord(principal) || principal.Federated === undefined) return [];
    const actions = asArray(statement.Action).map(String);
    if (!actions.some((a) => a === 'sts:AssumeRoleWithWebIdentity' || a === 'sts:*' || a === '*')) return [];
    return [{ index, statement }];
  });
}

/** Values of the condition keys ending in `:<claim>`, per condition operator, skipping negated operators. */
function claimConditions(
  statement: Record<string, unknown>,
  claim: string,
): { operator: string; value: string }[] {
  const conditions = isRecord(statement.Condition) ? statement.Condition : {};
  return Object.entries(conditions).flatMap(([operator, entries]) => {
    if (!isRecord(entries) || operator.startsWith('ForAllValues:') || operator.includes('Not')) return [];
    return Object.entries(entries)
      .filter(([key]) => key.endsWith(`:${claim}`))
      .flatMap(([, values]) => asArray(values).map((value) => ({ operator, value: String(value) })));
  });
}

/** A CI role trusting `repo:*:*` can be assumed from any GitHub repository. */
export const noWildcardOidcTrust = rule(
  'no-wildcard-oidc-trust',
  'IAM roles trusting an OIDC provider must pin the token subject (sub) to a literal repository and branch or environment, service account, or Pulumi stack.',
  ({ type, props }, report) => {
    if (type !== 'aws:iam/role:Role') return;
    for (const { index, statement } of webIdentityStatements(props.assumeRolePolicy)) {
      const subjects = claimConditions(statement, 'sub').map((c) => c.value);
      if (subjects.length === 0) {
        const federated = String((statement.Principal as Record<string, unknown>).Federated);
        report(`statement ${index} lets any token of ${federated} assume the role: no sub condition`);
        continue;
      }
      for (const subject of subjects) {
        const problem = wildcardSubject(subject);
        if (problem) report(`statement ${index} trusts sub "${subject}": ${problem}`);
      }
    }
  },
);

/**
 * The audience says which relying party a token was issued for; without an exact one, a token the same issuer
 * minted for another service (or another Pulumi organisation) is accepted too.
 */
export const oidcTrustAudience = rule(
  'oidc-trust-audience',
  'IAM roles trusting an OIDC provider must require an exact token audience (aud) with StringEquals.',
  ({ type, props }, report) => {
    if (type !== 'aws:iam/role:Role') return;
    for (const { index, statement } of webIdentityStatements(props.assumeRolePolicy)) {
      const audiences = claimConditions(statement, 'aud');
      const exact = audiences.filter((a) => a.operator === 'StringEquals' && !WILDCARD.test(a.value));
      if (exact.length === 0) {
        report(
          audiences.length === 0
            ? `statement ${index} has no aud condition: tokens minted for any audience are accepted`
            : `statement ${index} matches aud ${audiences.map((a) => `${a.operator} "${a.value}"`).join(', ')}; require it with StringEquals`,
        );
      }
    }
  },
);
