import { policies } from './policies';

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
 * Runs every rule of the pack over recorded resources, as `pulumi preview --policy-pack` would, and returns the
 * violations; `resource` is `<type>::<name>`. Depends on nothing at runtime beyond the rules themselves.
 */
export function evaluatePolicies(resources: EvaluatedResource[]): Violation[] {
  const violations: Violation[] = [];
  for (const resource of resources) {
    const id = `${resource.type}::${resource.name}`;
    for (const policy of policies) {
      policy.check(
        { type: resource.type, name: resource.name, props: resource.props, urn: id },
        (message: string) => {
          violations.push({ policy: policy.name, resource: id, message });
        },
      );
    }
  }
  return violations;
}
