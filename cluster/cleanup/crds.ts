import { type WaitOptions, waitUntilGone } from './wait';

/** The part of @kubernetes/client-node's ApiextensionsV1Api the CRD cleanup uses. */
export interface CrdApi {
  listCustomResourceDefinition(param?: { _continue?: string; limit?: number }): Promise<{
    metadata?: { _continue?: string };
    items: CustomResourceDefinition[];
  }>;
  deleteCustomResourceDefinition(param: { name: string }): Promise<unknown>;
}

/** The part of @kubernetes/client-node's CustomObjectsApi the CRD cleanup uses (a cluster-wide listing). */
export interface CustomObjectApi {
  listClusterCustomObject(param: {
    group: string;
    version: string;
    plural: string;
    limit?: number;
  }): Promise<{
    metadata?: { _continue?: string };
    items?: Array<{ metadata?: { name?: string; namespace?: string } }>;
  }>;
}

export interface CustomResourceDefinition {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: {
    group?: string;
    names?: { plural?: string; kind?: string };
    versions?: Array<{ name?: string; served?: boolean; storage?: boolean }>;
  };
}

/**
 * The CRDs of one API group (and its subgroups: `k8s.elastic.co` covers `elasticsearch.k8s.elastic.co`) that an
 * operator of the stack brought.
 */
export interface CrdGroup {
  group: string;
  /**
   * The Helm release that installed them from its templates, if any. A CRD of the group annotated as belonging to
   * another release is someone else's and is kept. Without it (CRDs from a chart's crds/ directory carry no Helm
   * annotations) only CRDs without a release annotation are candidates.
   */
  release?: { name: string; namespace: string };
}

export interface CrdCleanupOptions extends WaitOptions {
  crds: CrdApi;
  customObjects: CustomObjectApi;
  groups: CrdGroup[];
}

export interface CrdCleanupResult {
  /** CRDs deleted (and awaited until gone). */
  deleted: string[];
  /** CRDs of the groups kept because resources of their kind remain, or because another release owns them. */
  kept: string[];
}

export class CrdCleanupTimeoutError extends Error {
  constructor(
    message: string,
    public readonly crds: string[],
  ) {
    super(message);
    this.name = 'CrdCleanupTimeoutError';
  }
}

/** How many remaining resources a kept CRD's log line names. */
const NAMED_RESOURCES = 10;
const RELEASE_NAME = 'meta.helm.sh/release-name';
const RELEASE_NAMESPACE = 'meta.helm.sh/release-namespace';

export const defaultCrdTimeoutMs = 2 * 60 * 1000;
export const defaultCrdPollIntervalMs = 2 * 1000;

const inGroup = (crdGroup: string | undefined, group: string) =>
  crdGroup !== undefined && (crdGroup === group || crdGroup.endsWith(`.${group}`));

async function listCrds(api: CrdApi): Promise<CustomResourceDefinition[]> {
  const all: CustomResourceDefinition[] = [];
  let next: string | undefined;
  do {
    const page = await api.listCustomResourceDefinition({ limit: 500, ...(next && { _continue: next }) });
    all.push(...page.items);
    next = page.metadata?._continue || undefined;
  } while (next);
  return all;
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return candidate?.code === 404 || candidate?.statusCode === 404 || candidate?.response?.statusCode === 404;
}

/** Why another party owns the CRD, or undefined when it is the stack's to remove. */
function foreignOwner(crd: CustomResourceDefinition, expected: CrdGroup['release']): string | undefined {
  const annotations = crd.metadata?.annotations ?? {};
  const name = annotations[RELEASE_NAME];
  if (name === undefined) return undefined;
  const namespace = annotations[RELEASE_NAMESPACE] ?? '';
  if (expected && expected.name === name && expected.namespace === namespace) return undefined;
  return `it belongs to Helm release ${namespace}/${name}`;
}

/**
 * Removes the CustomResourceDefinitions of the given API groups that no resource uses any more, anywhere in the
 * cluster: deleting a CRD deletes every resource of its kind, so a CRD with a resource left (another team's, or
 * one outside the stack's namespaces) is kept and the resources are named in an info line, which is not a
 * failure. Meant for the end of a destroy, once the stack's namespaces (and its own custom resources) are gone.
 * A listing that fails throws: nothing is deleted on a guess, and a rerun of the destroy tries again.
 */
export async function removeUnusedCrds(options: CrdCleanupOptions): Promise<CrdCleanupResult> {
  const log = options.log ?? ((message: string) => console.log(message));
  if (options.groups.length === 0) return { deleted: [], kept: [] };
  const crds = await listCrds(options.crds);
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const group of options.groups) {
    const candidates = crds.filter((crd) => inGroup(crd.spec?.group, group.group));
    for (const crd of candidates) {
      const name = crd.metadata?.name ?? '';
      const owner = foreignOwner(crd, group.release);
      if (owner !== undefined) {
        kept.push(name);
        log(`Kept CustomResourceDefinition ${name}: ${owner}, not to this stack`);
        continue;
      }
      const versions = (crd.spec?.versions ?? []).filter((v) => v.served && v.name);
      const version = (versions.find((v) => v.storage) ?? versions[0])?.name;
      const plural = crd.spec?.names?.plural;
      if (version === undefined || plural === undefined || crd.spec?.group === undefined) {
        kept.push(name);
        log(`Kept CustomResourceDefinition ${name}: it serves no version, so its resources cannot be listed`);
        continue;
      }
      const listing = await options.customObjects.listClusterCustomObject({
        group: crd.spec.group,
        version,
        plural,
        limit: NAMED_RESOURCES,
      });
      const items = listing.items ?? [];
      if (items.length > 0) {
        kept.push(name);
        const more = listing.metadata?._continue ? ' and more' : '';
        const named = items
          .map((item) =>
            item.metadata?.namespace
              ? `${item.metadata.namespace}/${item.metadata.name}`
              : (item.metadata?.name ?? ''),
          )
          .join(', ');
        log(
          `Kept CustomResourceDefinition ${name}: ${crd.spec.names?.kind ?? plural} resources remain in the ` +
            `cluster (${named}${more}); deleting the definition would delete them`,
        );
        continue;
      }
      try {
        await options.crds.deleteCustomResourceDefinition({ name });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      deleted.push(name);
      log(
        `Deleted CustomResourceDefinition ${name}: no ${crd.spec.names?.kind ?? plural} resource is left in the cluster`,
      );
    }
  }
  if (deleted.length > 0) {
    const gone = new Set(deleted);
    await waitUntilGone(
      {
        list: async () => (await listCrds(options.crds)).filter((crd) => gone.has(crd.metadata?.name ?? '')),
        label: (crd) => crd.metadata?.name ?? '',
        name: (crd) => crd.metadata?.name ?? '',
        description: 'deleted CustomResourceDefinitions to go',
        timeoutError: (remaining, elapsedMs, labels) =>
          new CrdCleanupTimeoutError(
            `CustomResourceDefinitions still there ${Math.round(elapsedMs / 1000)}s after their deletion: ${labels}`,
            remaining.map((crd) => crd.metadata?.name ?? ''),
          ),
        allGone: (names) => `CustomResourceDefinitions gone: ${names.join(', ')}`,
      },
      {
        ...options,
        log,
        timeoutMs: options.timeoutMs ?? defaultCrdTimeoutMs,
        pollIntervalMs: options.pollIntervalMs ?? defaultCrdPollIntervalMs,
      },
    );
  }
  return { deleted, kept };
}
