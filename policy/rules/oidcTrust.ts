import { asArray, isRecord, rule } from './types';

const WILDCARD = /[*?]/;

/**
 * Why a `sub` condition value admits tokens from outside the intended scope, or undefined when it is pinned.
 * No `:`-separated segment but the last may hold a wildcard, and GitHub `repo:<owner>/<repo>:...`, Kubernetes
 * `system:serviceaccount:<ns>:<name>` and Pulumi `pulumi:deploy:org:<org>:project:<project>:...` subjects must
 * name their owner literally even when it is the last segment.
 */
export function wildcardSubject(subject: string): string | undefined {
  if (/^[*?]+$/.test(subject)) return 'matches every subject';
  const parts = subject.split(':');
  // Only the tail may vary (branch, environment, stack): a wildcard before it widens whose tokens match.
  const widened = parts.slice(0, -1).findIndex((part) => WILDCARD.test(part));
  if (widened >= 0)
    return `segment ${widened + 1} ("${parts[widened]}") is a wildcard; only the last may be one`;
  const literal = (indexes: number[]) =>
    indexes.every((i) => parts[i] !== undefined && !WILDCARD.test(parts[i]!));
  if (parts[0] === 'repo') {
    return literal([1]) && /^[^/]+\/[^/]+$/.test(parts[1]!)
      ? undefined
      : 'repository owner/name is not literal';
  }
  if (parts[0] === 'system' && parts[1] === 'serviceaccount') {
    return literal([2, 3]) ? undefined : 'namespace or service account is not literal';
  }
  if (parts[0] === 'pulumi' && parts[1] === 'deploy') {
    return parts[2] === 'org' && parts[4] === 'project' && literal([3, 5])
      ? undefined
      : 'organisation or project is not literal';
  }
  return WILDCARD.test(parts[0] ?? '') ? 'starts with a wildcard' : undefined;
}

function parseDocument(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A CI role trusting `repo:*:*` can be assumed from any GitHub repository. */
export const noWildcardOidcTrust = rule(
  'no-wildcard-oidc-trust',
  'IAM roles trusting an OIDC provider must pin the token subject (sub) to a literal repository, service account or project.',
  ({ type, props }, report) => {
    if (type !== 'aws:iam/role:Role') return;
    const document = parseDocument(props.assumeRolePolicy);
    if (!document) return;
    asArray(document.Statement).forEach((statement, index) => {
      if (!isRecord(statement) || statement.Effect !== 'Allow') return;
      const principal = statement.Principal;
      if (!isRecord(principal) || principal.Federated === undefined) return;
      const actions = asArray(statement.Action).map(String);
      if (!actions.some((a) => a === 'sts:AssumeRoleWithWebIdentity' || a === 'sts:*' || a === '*')) return;

      const subjects: string[] = [];
      const conditions = isRecord(statement.Condition) ? statement.Condition : {};
      for (const [operator, entries] of Object.entries(conditions)) {
        if (!isRecord(entries) || operator.startsWith('ForAllValues:') || operator.includes('Not')) continue;
        for (const [key, values] of Object.entries(entries)) {
          if (key.endsWith(':sub')) subjects.push(...asArray(values).map(String));
        }
      }
      if (subjects.length === 0) {
        report(
          `statement ${index} lets any token of ${String(principal.Federated)} assume the role: no sub condition`,
        );
        return;
      }
      for (const subject of subjects) {
        const problem = wildcardSubject(subject);
        if (problem) report(`statement ${index} trusts sub "${subject}": ${problem}`);
      }
    });
  },
);
