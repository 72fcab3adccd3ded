import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import * as pulumi from '@pulumi/pulumi';
import { type CrdApi, type CrdGroup, type CustomObjectApi, removeUnusedCrds } from './crds';
import { type CleanupOptions, cleanupLoadBalancers, type ServiceApi } from './loadBalancers';
import { type VolumeApi, waitForVolumesReleased } from './volumes';

/** How the hooks reach the cluster: the same kubeconfig and context as the stack's Kubernetes provider. */
export interface ClusterAccess {
  /**
   * Kubeconfig contents (YAML or JSON) or the path of a kubeconfig file, as the provider's `kubeconfig` takes it;
   * undefined: $KUBECONFIG or ~/.kube/config, like kubectl.
   */
  kubeconfig?: pulumi.Input<string>;
  /** Context to use instead of the kubeconfig's current context. */
  kubeContext?: pulumi.Input<string>;
}

export interface LoadBalancerCleanupHookArgs extends ClusterAccess {
  /** The EKS cluster whose tagged load balancers are awaited; with `region`, EKS only. */
  clusterName?: pulumi.Input<string>;
  region?: pulumi.Input<string>;
  /** The namespaces this stack owns; only their LoadBalancer Services are deleted. */
  namespaces: pulumi.Input<string>[];
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface VolumeReleaseHookArgs extends ClusterAccess {
  /**
   * Set on EKS (with `region`): the wait covers every EBS volume of the cluster. Without it, the volumes claimed
   * from the namespaces below, whatever their driver.
   */
  clusterName?: pulumi.Input<string>;
  region?: pulumi.Input<string>;
  /** The namespaces this stack owns; volumes claimed there are awaited. */
  namespaces: pulumi.Input<string>[];
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface CrdCleanupHookArgs extends ClusterAccess {
  /** The API groups of the operators the stack installed; their CRDs are removed once no resource uses them. */
  groups: CrdGroup[];
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface CrdClients {
  crds: CrdApi;
  customObjects: CustomObjectApi;
}

export interface CleanupTarget {
  /** Kubeconfig contents or path; undefined for the default kubeconfig. */
  kubeconfig?: string;
  kubeContext?: string;
  namespaces: string[];
  /** The AWS side, on EKS only: a local target has no load balancer or volume in AWS to wait for. */
  aws?: { clusterName: string; region: string };
}

export interface CleanupClients {
  /** Present when the target has an AWS side. */
  elb?: CleanupOptions['elb'];
  core: ServiceApi & VolumeApi;
}

/**
 * Loads the kubeconfig the way the Kubernetes provider reads its `kubeconfig` value: a leading `~` is the home
 * directory, an existing file is read, anything else is the contents; no value means $KUBECONFIG or ~/.kube/config.
 * A named context must exist in it (the client would otherwise fail later with "No active cluster!").
 */
export function loadKubeConfig(
  kubeConfig: KubeConfig,
  access: Pick<CleanupTarget, 'kubeconfig' | 'kubeContext'>,
) {
  const value = access.kubeconfig;
  if (value === undefined || value === '') {
    kubeConfig.loadFromDefault();
  } else {
    const path = value === '~' ? homedir() : value.startsWith('~/') ? join(homedir(), value.slice(2)) : value;
    if (!value.includes('\n') && existsSync(path)) kubeConfig.loadFromFile(path);
    else kubeConfig.loadFromString(value);
  }
  if (access.kubeContext !== undefined) {
    const known = kubeConfig.getContexts().map((context) => context.name);
    if (!known.includes(access.kubeContext)) {
      throw new Error(
        `Context ${access.kubeContext} is not in the kubeconfig (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(access.kubeContext);
  }
  return kubeConfig;
}

/** Real AWS and Kubernetes clients; loaded lazily because @kubernetes/client-node is an ES module. */
export async function defaultClients(target: CleanupTarget): Promise<CleanupClients> {
  const kubernetes = await import('@kubernetes/client-node');
  const kubeConfig = loadKubeConfig(new kubernetes.KubeConfig(), target);
  const core = kubeConfig.makeApiClient(kubernetes.CoreV1Api);
  if (!target.aws) return { core };
  const { ElasticLoadBalancingV2Client } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  return { elb: new ElasticLoadBalancingV2Client({ region: target.aws.region }), core };
}

/** Real Kubernetes clients for the CRD cleanup; loaded lazily like `defaultClients`. */
export async function defaultCrdClients(
  access: Pick<CleanupTarget, 'kubeconfig' | 'kubeContext'>,
): Promise<CrdClients> {
  const kubernetes = await import('@kubernetes/client-node');
  const kubeConfig = loadKubeConfig(new kubernetes.KubeConfig(), access);
  return {
    crds: kubeConfig.makeApiClient(kubernetes.ApiextensionsV1Api),
    customObjects: kubeConfig.makeApiClient(kubernetes.CustomObjectsApi),
  };
}

/** The hook fires long after the program registered its resources, so capture plain values now. */
function capture(inputs: {
  clusterName?: pulumi.Input<string>;
  region?: pulumi.Input<string>;
  kubeconfig?: pulumi.Input<string>;
  kubeContext?: pulumi.Input<string>;
  namespaces: pulumi.Input<string>[];
}): Promise<CleanupTarget> {
  return new Promise<CleanupTarget>((resolve) => {
    pulumi
      .all([
        inputs.clusterName,
        inputs.region,
        inputs.kubeconfig,
        inputs.kubeContext,
        pulumi.all(inputs.namespaces),
      ])
      .apply(([clusterName, region, kubeconfig, kubeContext, namespaces]) =>
        resolve({
          ...(kubeconfig !== undefined && { kubeconfig }),
          ...(kubeContext !== undefined && { kubeContext }),
          namespaces,
          ...(clusterName !== undefined && { aws: { clusterName, region: region ?? '' } }),
        }),
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
      clusterName: resolved.aws?.clusterName,
      namespaces: resolved.namespaces,
      // A local target has no AWS side, whatever client the factory hands out.
      elb: resolved.aws ? clients.elb : undefined,
      core: clients.core,
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log,
    });
  });
}

/**
 * A delete hook that waits until the volumes of this stack's claims are released: on EKS every EBS volume of the
 * cluster, elsewhere the PersistentVolumes claimed from the stack's namespaces. Attach it to a resource deleted
 * after the namespaces (and so after every PersistentVolumeClaim).
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
      scope: resolved.aws ? 'ebs' : 'claims',
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log,
    });
  });
}

/**
 * A delete hook that removes the CustomResourceDefinitions of the operators the stack installed (the given API
 * groups) once no resource of their kind is left anywhere in the cluster; a CRD still in use is kept and its
 * resources are named in an info line. Attach it to the resource deleted last, after the namespaces (and with
 * them the stack's own custom resources) are gone.
 */
export function crdCleanupHook(
  name: string,
  args: CrdCleanupHookArgs,
  createClients: (
    access: Pick<CleanupTarget, 'kubeconfig' | 'kubeContext'>,
  ) => Promise<CrdClients> = defaultCrdClients,
  log: (message: string) => void = info,
): pulumi.ResourceHook {
  const target = capture({ ...args, namespaces: [] });
  return new pulumi.ResourceHook(name, async () => {
    if (args.groups.length === 0) {
      log('No CustomResourceDefinition to remove: the stack installed no operator');
      return;
    }
    const { kubeconfig, kubeContext } = await target;
    const clients = await createClients({
      ...(kubeconfig !== undefined && { kubeconfig }),
      ...(kubeContext !== undefined && { kubeContext }),
    });
    await removeUnusedCrds({
      ...clients,
      groups: args.groups,
      timeoutMs: args.timeoutMs,
      pollIntervalMs: args.pollIntervalMs,
      log,
    });
  });
}
