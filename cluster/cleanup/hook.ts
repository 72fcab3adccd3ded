import * as pulumi from '@pulumi/pulumi';
import { type CleanupOptions, cleanupLoadBalancers, type ServiceApi } from './loadBalancers';
import { type VolumeApi, waitForVolumesReleased } from './volumes';

export interface LoadBalancerCleanupHookArgs {
  clusterName: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Kubeconfig (YAML or JSON) with rights to list and delete Services in the namespaces below. */
  kubeconfig: pulumi.Input<string>;
  /** The namespaces this stack owns; only their LoadBalancer Services are deleted. */
  namespaces: pulumi.Input<string>[];
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface VolumeReleaseHookArgs {
  /** Kubeconfig (YAML or JSON) with rights to list PersistentVolumes. */
  kubeconfig: pulumi.Input<string>;
  /** The namespaces this stack owns; volumes claimed there are awaited. */
  namespaces: pulumi.Input<string>[];
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface CleanupTarget {
  clusterName: string;
  region: string;
  kubeconfig: string;
  namespaces: string[];
}

export interface CleanupClients {
  elb: CleanupOptions['elb'];
  core: ServiceApi & VolumeApi;
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

/** The hook fires long after the program registered its resources, so capture plain values now. */
function capture(inputs: {
  clusterName?: pulumi.Input<string>;
  region?: pulumi.Input<string>;
  kubeconfig: pulumi.Input<string>;
  namespaces: pulumi.Input<string>[];
}): Promise<CleanupTarget> {
  return new Promise<CleanupTarget>((resolve) => {
    pulumi
      .all([inputs.clusterName ?? '', inputs.region ?? '', inputs.kubeconfig, pulumi.all(inputs.namespaces)])
      .apply(([clusterName, region, kubeconfig, namespaces]) =>
        resolve({ clusterName, region, kubeconfig, namespaces }),
      );
  });
}

const info = (message: string) => pulumi.log.info(message);

/**
 * A `beforeDelete` resource hook that removes this stack's Kubernetes-made load balancers. Attach it to a
 * resource whose deletion comes before the ingress controller's (one that depends on the controller release);
 * delete hooks run only with `pulumi destroy --run-program` or PULUMI_RUN_PROGRAM=true.
 */
export function loadBalancerCleanupHook(
  name: string,
  args: LoadBalancerCleanupHookArgs,
  createClients: (target: CleanupTarget) => Promise<CleanupClients> = defaultClients,
  log: (message: string) => void = info,
): pulumi.ResourceHook {
  const target = capture(args);
  return new pulumi.ResourceHook(name, async () => {
    const resolved = await target;
    const clients = await createClients(resolved);
    await cleanupLoadBalancers({
      clusterName: resolved.clusterName,
      namespaces: resolved.namespaces,
      elb: clients.elb,
      core: clients.core,
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log,
    });
  });
}

/**
 * A delete hook that waits until the EBS volumes of this stack's claims are released. Attach it to a
 * resource deleted after the namespaces (and so after every PersistentVolumeClaim).
 */
export function volumeReleaseHook(
  name: string,
  args: VolumeReleaseHookArgs,
  createClients: (target: CleanupTarget) => Promise<{ core: VolumeApi }> = defaultClients,
  log: (message: string) => void = info,
): pulumi.ResourceHook {
  const target = capture(args);
  return new pulumi.ResourceHook(name, async () => {
    const resolved = await target;
    const { core } = await createClients(resolved);
    await waitForVolumesReleased({
      core,
      namespaces: resolved.namespaces,
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log,
    });
  });
}
