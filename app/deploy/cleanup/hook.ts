import * as pulumi from '@pulumi/pulumi';
import { cleanupLoadBalancers, type ServiceApi } from './loadBalancers';

export interface LoadBalancerCleanupHookArgs {
  clusterName: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Kubeconfig (YAML or JSON) with rights to list and delete Services in every namespace. */
  kubeconfig: pulumi.Input<string>;
  timeoutMs?: number;
  pollIntervalMs?: number;
}

interface ResolvedTarget {
  clusterName: string;
  region: string;
  kubeconfig: string;
}

/**
 * A `beforeDelete` resource hook that removes the cluster's Kubernetes-made load balancers. Attach it to
 * the resource whose deletion ends Kubernetes' ability to clean them up itself (the ingress controller
 * release); delete hooks run only with `pulumi destroy --run-program` or PULUMI_RUN_PROGRAM=true.
 */
export function loadBalancerCleanupHook(
  name: string,
  args: LoadBalancerCleanupHookArgs,
): pulumi.ResourceHook {
  // The hook fires long after the program registered its resources, so capture plain values now.
  const target = new Promise<ResolvedTarget>((resolve) => {
    pulumi
      .all([args.clusterName, args.region, args.kubeconfig])
      .apply(([clusterName, region, kubeconfig]) => resolve({ clusterName, region, kubeconfig }));
  });

  return new pulumi.ResourceHook(name, async () => {
    const { clusterName, region, kubeconfig } = await target;
    const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    const kubernetes = await import('@kubernetes/client-node');
    const kubeConfig = new kubernetes.KubeConfig();
    kubeConfig.loadFromString(kubeconfig);
    const core: ServiceApi = kubeConfig.makeApiClient(kubernetes.CoreV1Api);
    await cleanupLoadBalancers({
      clusterName,
      elb: new ElasticLoadBalancingV2Client({ region }),
      core,
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log: (message) => pulumi.log.info(message),
    });
  });
}
