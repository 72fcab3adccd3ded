import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  defaultWaitPollIntervalMs,
  defaultWaitTimeoutMs,
  logToConsole,
  type WaitOptions,
  waitUntilGone,
} from './wait';

/** The part of @kubernetes/client-node's CoreV1Api the cleanup uses. */
export interface ServiceApi {
  listNamespacedService(param: { namespace: string; _continue?: string; limit?: number }): Promise<{
    metadata?: { _continue?: string };
    items: Array<{ metadata?: { name?: string; namespace?: string }; spec?: { type?: string } }>;
  }>;
  deleteNamespacedService(param: { name: string; namespace: string }): Promise<unknown>;
}

export interface CleanupOptions extends WaitOptions {
  /**
   * The AWS side, both or neither: the EKS cluster whose tagged load balancers are awaited, and the client that
   * lists them. Without them (a local target) the Services are deleted and there is no cloud load balancer to wait for.
   */
  clusterName?: string;
  elb?: Pick<ElasticLoadBalancingV2Client, 'send'>;
  core: ServiceApi;
  /**
   * The namespaces this stack owns: only their LoadBalancer Services are deleted. A load balancer of the
   * cluster that belongs to a Service elsewhere is never deleted; it stops the cleanup with its name.
   */
  namespaces: string[];
  /** Upper bound on waiting for AWS to remove the load balancers. */
  timeoutMs?: number;
}

export interface CleanupResult {
  deletedServices: string[];
  /** Load balancers that belonged to the cluster when the wait started. */
  awaitedLoadBalancers: string[];
  waitedMs: number;
}

export class LoadBalancerCleanupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoadBalancerCleanupError';
  }
}

/** A load balancer of the cluster serves a Service outside this stack's namespaces. */
export class LoadBalancerCleanupForeignError extends LoadBalancerCleanupError {
  constructor(
    message: string,
    public readonly foreign: string[],
  ) {
    super(message);
    this.name = 'LoadBalancerCleanupForeignError';
  }
}

export class LoadBalancerCleanupTimeoutError extends LoadBalancerCleanupError {
  constructor(
    message: string,
    public readonly remaining: string[],
  ) {
    super(message);
    this.name = 'LoadBalancerCleanupTimeoutError';
  }
}

export const defaultTimeoutMs = defaultWaitTimeoutMs;
export const defaultPollIntervalMs = defaultWaitPollIntervalMs;
// DescribeTags accepts at most 20 ARNs per call.
const TAG_BATCH = 20;

interface ClusterLoadBalancer {
  arn: string;
  name: string;
  /** namespace/name of the Service it was made for, when its tags say so. */
  service?: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return candidate?.code === 404 || candidate?.statusCode === 404 || candidate?.response?.statusCode === 404;
}

/** The Service a load balancer was made for: in-tree cloud provider tag, then AWS Load Balancer Controller tag. */
function serviceOf(tags: Array<{ Key?: string; Value?: string }>): string | undefined {
  const tag =
    tags.find((t) => t.Key === 'kubernetes.io/service-name') ??
    tags.find((t) => t.Key === 'service.k8s.aws/stack');
  return tag?.Value || undefined;
}

/** True when Kubernetes created the load balancer for this cluster (in-tree controller or AWS LB Controller). */
function ownedByCluster(tags: Array<{ Key?: string; Value?: string }>, clusterName: string): boolean {
  return tags.some(
    (tag) =>
      (tag.Key === `kubernetes.io/cluster/${clusterName}` && tag.Value === 'owned') ||
      (tag.Key === 'elbv2.k8s.aws/cluster' && tag.Value === clusterName),
  );
}

async function deleteLoadBalancerServices(
  core: ServiceApi,
  namespaces: string[],
  log: (message: string) => void,
): Promise<string[]> {
  const deleted: string[] = [];
  for (const namespace of namespaces) {
    let continueToken: string | undefined;
    do {
      let page: Awaited<ReturnType<ServiceApi['listNamespacedService']>>;
      try {
        page = await core.listNamespacedService({ namespace, limit: 500, _continue: continueToken });
      } catch (error) {
        // The namespace is already gone, and its Services with it.
        if (isNotFound(error)) break;
        throw new LoadBalancerCleanupError(
          `Listing Kubernetes Services in namespace ${namespace} failed: ${errorText(error)}`,
          { cause: error },
        );
      }
      for (const service of page.items) {
        if (service.spec?.type !== 'LoadBalancer') continue;
        const name = service.metadata?.name;
        if (!name) continue;
        try {
          await core.deleteNamespacedService({ name, namespace });
          log(`Deleted Service ${namespace}/${name} (type LoadBalancer)`);
        } catch (error) {
          // Someone else removed it between list and delete: that is the outcome we want.
          if (!isNotFound(error)) {
            throw new LoadBalancerCleanupError(
              `Deleting Service ${namespace}/${name} failed: ${errorText(error)}`,
              { cause: error },
            );
          }
        }
        deleted.push(`${namespace}/${name}`);
      }
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
  }
  return deleted;
}

async function findClusterLoadBalancers(
  elb: NonNullable<CleanupOptions['elb']>,
  clusterName: string,
  retries = 3,
): Promise<ClusterLoadBalancer[]> {
  const all: ClusterLoadBalancer[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await elb.send(new DescribeLoadBalancersCommand({ Marker: marker, PageSize: 400 }));
      for (const lb of page.LoadBalancers ?? []) {
        if (lb.LoadBalancerArn)
          all.push({ arn: lb.LoadBalancerArn, name: lb.LoadBalancerName ?? lb.LoadBalancerArn });
      }
      marker = page.NextMarker || undefined;
    } while (marker);

    const owned: ClusterLoadBalancer[] = [];
    for (let start = 0; start < all.length; start += TAG_BATCH) {
      const batch = all.slice(start, start + TAG_BATCH);
      const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: batch.map((lb) => lb.arn) }));
      for (const description of tags.TagDescriptions ?? []) {
        const lb = batch.find((candidate) => candidate.arn === description.ResourceArn);
        if (lb && ownedByCluster(description.Tags ?? [], clusterName)) {
          owned.push({ ...lb, service: serviceOf(description.Tags ?? []) });
        }
      }
    }
    return owned;
  } catch (error) {
    // A load balancer deleted between the two calls makes DescribeTags fail; the next poll sees it gone.
    if ((error as { name?: string })?.name === 'LoadBalancerNotFoundException' && retries > 0) {
      return findClusterLoadBalancers(elb, clusterName, retries - 1);
    }
    throw new LoadBalancerCleanupError(`Looking up load balancers in AWS failed: ${errorText(error)}`, {
      cause: error,
    });
  }
}

const label = (lb: ClusterLoadBalancer) => (lb.service ? `${lb.name} (Service ${lb.service})` : lb.name);

/**
 * Deletes the Services of type LoadBalancer in this stack's namespaces, then waits until AWS no longer lists
 * a load balancer tagged for the cluster. Kubernetes removes the NLB and its security groups asynchronously;
 * if the cluster or its VPC went first they would be orphaned (and keep billing, and block the VPC's
 * deletion). Services elsewhere are not this stack's to delete, but their load balancers would be orphaned
 * just the same, so one that belongs to the cluster stops the cleanup with its name.
 *
 * On a target without AWS (no cluster name and ELB client) only the Kubernetes side runs: the Services go, and
 * whatever load balancer implementation the cluster has (k3d's service load balancer, cloud-provider-kind,
 * MetalLB) releases its address with them; there is nothing in AWS to wait for.
 */
export async function cleanupLoadBalancers(options: CleanupOptions): Promise<CleanupResult> {
  const log = options.log ?? logToConsole;
  const owned = new Set(options.namespaces);
  const { clusterName, elb } = options;
  if ((clusterName === undefined) !== (elb === undefined)) {
    // Checked before anything is deleted: half an AWS side is a programming error, not a local target.
    throw new LoadBalancerCleanupError(
      'The load balancer cleanup needs both the cluster name and an ELB client for an EKS cluster, or neither for ' +
        `a local one; got ${clusterName === undefined ? 'only an ELB client' : `only the cluster name ${clusterName}`}.`,
    );
  }
  const deletedServices = await deleteLoadBalancerServices(options.core, options.namespaces, log);
  if (deletedServices.length === 0) {
    log(`No Service of type LoadBalancer found in ${options.namespaces.join(', ')}`);
  }
  if (clusterName === undefined || elb === undefined) {
    log('No cloud load balancer to wait for: the target is not an EKS cluster');
    return { deletedServices, awaitedLoadBalancers: [], waitedMs: 0 };
  }

  const { awaited, waitedMs } = await waitUntilGone(
    {
      list: () => findClusterLoadBalancers(elb, clusterName),
      label,
      name: (lb) => lb.name,
      blockers: (remaining) => {
        const foreign = remaining.filter((lb) => lb.service && !owned.has(lb.service.split('/')[0] ?? ''));
        if (foreign.length > 0) {
          throw new LoadBalancerCleanupForeignError(
            `Load balancers of cluster ${clusterName} serve Services outside this stack's namespaces ` +
              `(${options.namespaces.join(', ')}): ${foreign.map(label).join(', ')}. They are not deleted ` +
              'here; destroying the cluster would orphan them. Delete those Services (or change their type), ' +
              'then run the destroy again.',
            foreign.map(label),
          );
        }
      },
      description: `load balancer(s) of cluster ${clusterName} to be deleted`,
      timeoutError: (remaining, elapsed, names) =>
        new LoadBalancerCleanupTimeoutError(
          `Timed out after ${Math.round(elapsed / 1000)}s waiting for the load balancers of cluster ` +
            `${clusterName} to be deleted: ${names}. Check the Services' finalizers and the controller ` +
            'logs, or delete the load balancers in the EC2 console, then run the destroy again.',
          remaining.map((lb) => lb.name),
        ),
      allGone: (names) => `All load balancers of cluster ${clusterName} are gone: ${names.join(', ')}`,
    },
    options,
  );
  return { deletedServices, awaitedLoadBalancers: awaited, waitedMs };
}
