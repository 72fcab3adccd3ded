import * as pulumi from '@pulumi/pulumi';
import { type ClusterReader, type KubeObject, kubeconfigReader } from './kubernetesReader';

/** The label the cluster layer puts on its namespaces and on its destroy markers in kube-system. */
export const CLUSTER_LAYER_LABEL = 'app.kubernetes.io/part-of=cloudops-crm';
const SELECTOR = `labelSelector=${encodeURIComponent(CLUSTER_LAYER_LABEL)}`;

const isEbs = (pv: KubeObject) =>
  pv.spec?.csi?.driver === 'ebs.csi.aws.com' || pv.spec?.awsElasticBlockStore !== undefined;

/**
 * What of the cluster layer (or of anything else that AWS bills outside this stack) is still in the cluster: its
 * namespaces and markers, every Service of type LoadBalancer (an NLB or ELB in the account) and every EBS
 * PersistentVolume. Deleting the cluster under them orphans the load balancers and volumes.
 */
export async function clusterLayerLeftovers(reader: ClusterReader, ownMarker: string): Promise<string[]> {
  const [namespaces, markers, services, volumes] = await Promise.all([
    reader.list(`/api/v1/namespaces?${SELECTOR}`),
    reader.list(`/api/v1/namespaces/kube-system/configmaps?${SELECTOR}`),
    reader.list('/api/v1/services'),
    reader.list('/api/v1/persistentvolumes'),
  ]);
  return [
    ...namespaces.items.map((ns) => `Namespace ${ns.metadata.name}`),
    ...markers.items
      .filter((cm) => cm.metadata.name !== ownMarker)
      .map((cm) => `ConfigMap kube-system/${cm.metadata.name}`),
    ...services.items
      .filter((svc) => svc.spec?.type === 'LoadBalancer')
      .map(
        (svc) =>
          `Service ${svc.metadata.namespace}/${svc.metadata.name} (type LoadBalancer: an AWS load balancer)`,
      ),
    ...volumes.items.filter(isEbs).map((pv) => {
      const volumeId = pv.spec?.csi?.volumeHandle ?? pv.spec?.awsElasticBlockStore?.volumeID;
      const claim = pv.spec?.claimRef
        ? `, claimed by ${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}`
        : '';
      return `PersistentVolume ${pv.metadata.name} (EBS volume ${volumeId}${claim})`;
    }),
  ];
}

export interface ClusterLayerGuardHookArgs {
  clusterName: pulumi.Input<string>;
  kubeconfig: pulumi.Input<string>;
  /** This stack's own marker in kube-system, which carries the same label. */
  ownMarker: string;
}

/**
 * A `beforeDelete` hook that refuses while the cluster layer still exists, naming what is left. Delete hooks run
 * only with `pulumi destroy --run-program` (or PULUMI_RUN_PROGRAM=true); the engine refuses a destroy of a stack
 * with delete hooks without it.
 */
export function clusterLayerGuardHook(
  name: string,
  args: ClusterLayerGuardHookArgs,
  createReader: (kubeconfig: string) => Promise<ClusterReader> = kubeconfigReader,
): pulumi.ResourceHook {
  // The hook fires long after registration: capture plain values now.
  const target = new Promise<{ clusterName: string; kubeconfig: string }>((resolve) => {
    pulumi
      .all([args.clusterName, args.kubeconfig])
      .apply(([clusterName, kubeconfig]) => resolve({ clusterName, kubeconfig }));
  });
  return new pulumi.ResourceHook(name, async () => {
    const { clusterName, kubeconfig } = await target;
    const leftovers = await clusterLayerLeftovers(await createReader(kubeconfig), args.ownMarker);
    if (leftovers.length > 0) {
      throw new Error(
        `refusing to destroy EKS cluster ${clusterName}: the cluster layer still has ${leftovers.join(', ')}. ` +
          'Destroy the app and cluster stacks first (`pulumi destroy --run-program` in app/deploy, then cluster/), ' +
          'which removes the load balancers and EBS volumes; deleting the cluster under them leaves them billed in ' +
          'the account. Nothing of this stack has been deleted.',
      );
    }
  });
}
