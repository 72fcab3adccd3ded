import type { RecordedResource } from './recorder';

/** Resources of a type, optionally only those whose logical name contains `name`. */
export const ofType = (resources: RecordedResource[], type: string, name?: string) =>
  resources.filter((r) => r.type === type && (name === undefined || r.name.includes(name)));

/** The one resource of a type (whose name contains `name`); fails when there are none or several. */
export function one(resources: RecordedResource[], type: string, name?: string): RecordedResource {
  const found = ofType(resources, type, name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name === undefined ? '' : ` named *${name}*`}, found ${found.length}`,
    );
  }
  return found[0]!;
}

/** The resource with exactly this type and logical name. */
export function named(resources: RecordedResource[], type: string, name: string): RecordedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0]!;
}

/** The resources the program declares itself: reads (`Resource.get`, StackReferences) left out. */
export const declared = (resources: RecordedResource[]) => resources.filter((r) => !r.id);

/** The logical name at the end of a URN (`urn:pulumi:stack::project::type::name`). */
export const urnName = (urn: string) => urn.slice(urn.lastIndexOf('::') + 2);

/** Resources as a policy pack evaluates them: props are the inputs as the engine received them. */
export const policyResources = (resources: RecordedResource[]) =>
  resources.map((r) => ({ type: r.type, name: r.name, props: r.raw }));

/**
 * The URNs a resource depends on, directly or through the resources it depends on (explicit `dependsOn` and
 * inputs): a destroy deletes the resource before every one of them.
 */
export function dependenciesOf(resources: RecordedResource[], urn: string | undefined): Set<string> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const pending = [...(byUrn.get(urn)?.options.dependsOn ?? [])];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(byUrn.get(next)?.options.dependsOn ?? []));
  }
  return seen;
}
