import { asArray, isRecord, policyDocument, rule } from './types';

/** `"*"`, `{ AWS: "*" }` or a list holding `"*"`: every AWS principal, in every account. */
function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  return Object.values(principal).some((value) => asArray(value).map(String).includes('*'));
}

/** An ECR repository policy granting `*` lets any AWS account pull (or push) the images. */
export const noPublicEcrRepositoryPolicy = rule(
  'ecr-repository-policy-not-public',
  'ECR repository policies must not allow every AWS principal ("*").',
  ({ type, props }, report) => {
    if (type !== 'aws:ecr/repositoryPolicy:RepositoryPolicy') return;
    const policy = policyDocument(props.policy);
    if (!policy) return;
    asArray(policy.Statement).forEach((statement, index) => {
      if (!isRecord(statement) || statement.Effect !== 'Allow') return;
      if (isEveryone(statement.Principal)) {
        report(`statement ${index} allows ${JSON.stringify(asArray(statement.Action))} to Principal "*"`);
      }
    });
  },
);
