import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';

/** The subset of the validation arguments the rules read; evaluate.ts builds exactly this much. */
export type RuleArgs = Pick<ResourceValidationArgs, 'type' | 'name' | 'props' | 'urn'>;

/** A resource rule whose check is synchronous, so it can run in plain unit tests as well as in the engine. */
export interface Rule extends ResourceValidationPolicy {
  check: (args: RuleArgs, report: ReportViolation) => void;
}

/** Wraps a synchronous check as a CrossGuard policy; `check` stays reachable for the test evaluator. */
export function rule(
  name: string,
  description: string,
  check: (args: RuleArgs, report: ReportViolation) => void,
): Rule {
  return {
    name,
    description,
    enforcementLevel: 'mandatory',
    validateResource: (args, report) => check(args, report),
    check,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
