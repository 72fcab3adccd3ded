import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** The part of @kubernetes/client-node's CoreV1Api the cleanup uses. */
export interface ServiceApi {
  listServiceForAllNamespaces(param?: { _continue?: string; limit?: number }): Promise<{
    metadata?: { _continue?: string };
    items: Array<{ metadata?: { name?: string; namespace?: string }; spec?: { type?: string } }>;
  }>;
  deleteNamespacedService(param: { name: string; namespace: string }): Promise<unknown>;
}

export interface CleanupOptions {
  clusterName: string;
  elb: Pick<ElasticLoadBalancingV2Client, 'send'>;
  core: ServiceApi;
  /** Upper bound on waiting for AWS to remove the load balancers. */
  timeoutMs?: number;
  pollIntervalMs?: number;
  log?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
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

export class LoadBalancerCleanupTimeoutError extends LoadBalancerCleanupError {
  constructor(
    message: string,
    public readonly remaining: string[],
  ) {
    super(message);
    this.name = 'LoadBalancerCleanupTimeoutError';
  }
}

export const defaultTimeoutMs = 10 * 60 * 1000;
export const defaultPollIntervalMs = 10 * 1000;
// DescribeTags accepts at most 20 ARNs per call.
const TAG_BATCH = 20;

interface ClusterLoadBalancer {
  arn: string;
  name: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return candidate?.code === 404 || candidate?.statusCode === 404 || candidate?.response?.statusCode === 404;
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
  log: (message: string) => void,
): Promise<string[]> {
  const deleted: string[] = [];
  let continueToken: string | undefined;
  do {
    let page: Awaited<ReturnType<ServiceApi['listServiceForAllNamespaces']>>;
    try {
      page = await core.listServiceForAllNamespaces({ limit: 500, _continue: continueToken });
    } catch (error) {
      throw new LoadBalancerCleanupError(`Listing Kubernetes Services failed: ${errorText(error)}`, {
        cause: error,
      });
    }
    for (const service of page.items) {
      if (service.spec?.type !== 'LoadBalancer') continue;
      const name = service.metadata?.name;
      const namespace = service.metadata?.namespace;
      if (!name || !namespace) continue;
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
  return deleted;
}

async function findClusterLoadBalancers(
  elb: CleanupOptions['elb'],
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
        if (lb && ownedByCluster(description.Tags ?? [], clusterName)) owned.push(lb);
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

/**
 * Deletes every Service of type LoadBalancer in the cluster, then waits until AWS no longer lists a load
 * balancer tagged for the cluster. Kubernetes removes the NLB and its security groups asynchronously; if the
 * cluster or its VPC went first they would be orphaned (and keep billing, and block the VPC's deletion).
 */
export async function cleanupLoadBalancers(options: CleanupOptions): Promise<CleanupResult> {
  const log = options.log ?? ((message: string) => console.log(message));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;

  const deletedServices = await deleteLoadBalancerServices(options.core, log);
  if (deletedServices.length === 0) log('No Service of type LoadBalancer found in the cluster');

  const started = now();
  let remaining = await findClusterLoadBalancers(options.elb, options.clusterName);
  const awaitedLoadBalancers = remaining.map((lb) => lb.name);
  while (remaining.length > 0) {
    const elapsed = now() - started;
    const names = remaining.map((lb) => lb.name).join(', ');
    if (elapsed >= timeoutMs) {
      throw new LoadBalancerCleanupTimeoutError(
        `Timed out after ${Math.round(elapsed / 1000)}s waiting for the load balancers of cluster ` +
          `${options.clusterName} to be deleted: ${names}. Check the Services' finalizers and the controller ` +
          'logs, or delete the load balancers in the EC2 console, then run the destroy again.',
        remaining.map((lb) => lb.name),
      );
    }
    log(
      `Waiting for ${remaining.length} load balancer(s) of cluster ${options.clusterName} to be deleted: ` +
        `${names} (${Math.round(elapsed / 1000)}s of ${Math.round(timeoutMs / 1000)}s)`,
    );
    await sleep(Math.min(pollIntervalMs, Math.max(timeoutMs - elapsed, 0)));
    remaining = await findClusterLoadBalancers(options.elb, options.clusterName);
  }
  if (awaitedLoadBalancers.length > 0) {
    log(`All load balancers of cluster ${options.clusterName} are gone: ${awaitedLoadBalancers.join(', ')}`);
  }
  return { deletedServices, awaitedLoadBalancers, waitedMs: now() - started };
}
