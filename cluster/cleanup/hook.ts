import * as pulumi from '@pulumi/pulumi';
import { type CleanupOptions, cleanupLoadBalancers, type ServiceApi } from './loadBalancers';

export interface LoadBalancerCleanupHookArgs {
  clusterName: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Kubeconfig (YAML or JSON) with rights to list and delete Services in every namespace. */
  kubeconfig: pulumi.Input<string>;
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface CleanupTarget {
  clusterName: string;
  region: string;
  kubeconfig: string;
}

export interface CleanupClients {
  elb: CleanupOptions['elb'];
  core: ServiceApi;
}

/** Real AWS and Kubernetes clients; loaded lazily because @kubernetes/client-node is an ES module. */
export async function defaultClients(target: CleanupTarget): Promise<CleanupClients> {
  const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const kubernetes = await import('@kubernetes/client-node');
  const kubeConfig = new kubernetes.KubeConfig();
  kubeConfig.loadFromString(target.kubeconfig);
  return {
    elb: new ElasticLoadBalancingV2Client({ region: target.region }),
    core: kubeConfig.makeApiClient(kubernetes.CoreV1Api),
  };
}

/**
 * A `beforeDelete` resource hook that removes the cluster's Kubernetes-made load balancers. Attach it to a
 * resource whose deletion comes before the ingress controller's (one that depends on the controller release);
 * delete hooks run only with `pulumi destroy --run-program` or PULUMI_RUN_PROGRAM=true.
 */
export function loadBalancerCleanupHook(
  name: string,
  args: LoadBalancerCleanupHookArgs,
  createClients: (target: CleanupTarget) => Promise<CleanupClients> = defaultClients,
  log: (message: string) => void = (message) => pulumi.log.info(message),
): pulumi.ResourceHook {
  // The hook fires long after the program registered its resources, so capture plain values now.
  const target = new Promise<CleanupTarget>((resolve) => {
    pulumi
      .all([args.clusterName, args.region, args.kubeconfig])
      .apply(([clusterName, region, kubeconfig]) => resolve({ clusterName, region, kubeconfig }));
  });

  return new pulumi.ResourceHook(name, async () => {
    const resolved = await target;
    const clients = await createClients(resolved);
    await cleanupLoadBalancers({
      clusterName: resolved.clusterName,
      ...clients,
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log,
    });
  });
}
