import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';

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

/** A stack rule: sees every resource of the stack at once, synchronously, in the engine and in unit tests. */
export interface StackRule extends StackValidationPolicy {
  checkStack: (resources: RuleArgs[], report: ReportViolation) => void;
}

/** Wraps a synchronous whole-stack check as a CrossGuard stack policy; `checkStack` serves the test evaluator. */
export function stackRule(
  name: string,
  description: string,
  checkStack: (resources: RuleArgs[], report: ReportViolation) => void,
): StackRule {
  return {
    name,
    description,
    enforcementLevel: 'mandatory',
    // The engine passes each resource's outputs, which include the inputs the rules read.
    validateStack: (args, report) => checkStack(args.resources, report),
    checkStack,
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** An IAM policy document as a resource holds it: a JSON string or an object. Undefined when it is neither. */
export function policyDocument(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
