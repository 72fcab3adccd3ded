import { resourcePolicies, stackPolicies } from './policies';
import type { RuleArgs } from './rules/types';

export interface EvaluatedResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

export interface Violation {
  policy: string;
  resource: string;
  message: string;
}

/**
 * Runs every rule of the pack over recorded resources, as `pulumi preview --policy-pack` would: the resource
 * rules one resource at a time, then the stack rules over all of them. `resource` is `<type>::<name>` (for a
 * stack rule, of the resource it names, or `stack`). Depends on nothing at runtime beyond the rules themselves.
 */
export function evaluatePolicies(resources: EvaluatedResource[]): Violation[] {
  const violations: Violation[] = [];
  const args: RuleArgs[] = resources.map((r) => ({
    type: r.type,
    name: r.name,
    props: r.props,
    urn: `${r.type}::${r.name}`,
  }));
  for (const resource of args) {
    for (const policy of resourcePolicies) {
      policy.check(resource, (message: string) => {
        violations.push({ policy: policy.name, resource: resource.urn, message });
      });
    }
  }
  for (const policy of stackPolicies) {
    policy.checkStack(args, (message: string, urn?: string) => {
      violations.push({ policy: policy.name, resource: urn ?? 'stack', message });
    });
  }
  return violations;
}
