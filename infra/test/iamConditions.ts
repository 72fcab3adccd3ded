/**
 * A deliberately small model of how STS evaluates a web-identity trust policy: enough of StringEquals and
 * StringLike to check which token claims a generated policy admits. Unknown operators fail the test rather
 * than being skipped, so the model can never silently allow more than IAM would.
 */

export type Claims = Record<string, string>;

interface Statement {
  Effect: string;
  Principal?: { Federated?: string };
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** IAM StringLike: `*` matches any run of characters, `?` exactly one; everything else is literal. */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

function conditionHolds(operator: string, key: string, expected: string | string[], claims: Claims): boolean {
  const value = claims[key];
  // A condition on a claim the token does not carry is not satisfied.
  if (value === undefined) return false;
  const candidates = Array.isArray(expected) ? expected : [expected];
  switch (operator) {
    case 'StringEquals':
      return candidates.includes(value);
    case 'StringLike':
      return candidates.some((pattern) => stringLike(pattern, value));
    default:
      throw new Error(`condition operator ${operator} is not modelled`);
  }
}

/**
 * Whether a token from `federatedPrincipal` with `claims` (keys as they appear in conditions, e.g.
 * `token.actions.githubusercontent.com:sub`) may call sts:AssumeRoleWithWebIdentity.
 */
export function allowsWebIdentity(policyJson: string, federatedPrincipal: string, claims: Claims): boolean {
  const document = JSON.parse(policyJson) as { Statement: Statement[] };
  return document.Statement.some((statement) => {
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    if (statement.Effect !== 'Allow' || !actions.includes('sts:AssumeRoleWithWebIdentity')) return false;
    if (statement.Principal?.Federated !== federatedPrincipal) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, entries]) =>
      Object.entries(entries).every(([key, expected]) => conditionHolds(operator, key, expected, claims)),
    );
  });
}
