import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { type CrdGroup, crdCleanupHook, loadBalancerCleanupHook, volumeReleaseHook } from '../cleanup';
import type { PlatformComponents } from '../config';
import { ECK_OPERATOR_RELEASE } from './elasticStack';

/**
 * Both markers live here: a namespace every cluster has and this stack never creates, deletes or renames.
 * A marker whose namespace followed a config value (the ingress namespace follows `ingressController`)
 * would be replaced by an ordinary `pulumi up`, and replacing it deletes the old one, which runs its
 * delete hook: the load balancers of a live stack would go.
 */
export const MARKER_NAMESPACE = 'kube-system';
export const LOAD_BALANCER_MARKER = 'cloudops-crm-load-balancer-cleanup';
export const VOLUME_MARKER = 'cloudops-crm-volume-release';
/** The second delete hook of the volume marker: it removes the operators' CRDs once nothing uses them. */
export const CRD_CLEANUP_HOOK = 'cloudops-crm-crd-cleanup';

/** ECK's CRDs (`elasticsearch.k8s.elastic.co`, `kibana.k8s.elastic.co`, …), installed by its operator's release. */
export const ECK_CRD_GROUP = 'k8s.elastic.co';
/** prometheus-operator's CRDs, from kube-prometheus-stack's crds/ directory (no Helm annotations). */
export const PROMETHEUS_OPERATOR_CRD_GROUP = 'monitoring.coreos.com';

/**
 * The API groups whose CRDs the stack's operators brought: Helm keeps both sets on uninstall (ECK's carry
 * `helm.sh/resource-policy: keep`, kube-prometheus-stack's come from crds/, which Helm never deletes).
 */
export function operatorCrdGroups(
  components: PlatformComponents,
  elasticOperatorNamespace: string,
): CrdGroup[] {
  return [
    ...(components.elasticStack
      ? [
          {
            group: ECK_CRD_GROUP,
            release: { name: ECK_OPERATOR_RELEASE, namespace: elasticOperatorNamespace },
          },
        ]
      : []),
    ...(components.monitoring ? [{ group: PROMETHEUS_OPERATOR_CRD_GROUP }] : []),
  ];
}

/**
 * What the hooks need, on every target: how to reach the cluster (the provider's kubeconfig and context) and, on
 * EKS only, the cluster name and region whose load balancers and EBS volumes are awaited in AWS. Without them (a
 * local cluster) the hooks' AWS waits are skipped and their Kubernetes side runs.
 */
export interface DestroyTarget {
  clusterName?: pulumi.Input<string>;
  region?: pulumi.Input<string>;
  /** Kubeconfig contents or path; undefined: $KUBECONFIG or ~/.kube/config. */
  kubeconfig?: pulumi.Input<string>;
  kubeContext?: pulumi.Input<string>;
  /** Every namespace the stack owns; the cleanups act there only. */
  namespaces: string[];
}

function marker(name: string, purpose: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.ConfigMap {
  return new k8s.core.v1.ConfigMap(
    name,
    {
      metadata: {
        name,
        namespace: MARKER_NAMESPACE,
        labels: { 'app.kubernetes.io/part-of': 'cloudops-crm', 'app.kubernetes.io/managed-by': 'pulumi' },
      },
      data: { purpose },
    },
    opts,
  );
}

export interface VolumeMarkerTarget extends DestroyTarget {
  /** The operators' CRD groups, removed after the volume wait when nothing uses them (`operatorCrdGroups`). */
  crdGroups: CrdGroup[];
}

/**
 * Marker deleted LAST: the platform namespaces depend on it, so a destroy deletes every release, then the
 * namespaces (and with them every PersistentVolumeClaim), and only then this marker: its hook waits until the
 * volumes are released (on EKS every EBS volume of the cluster, elsewhere those claimed from the stack's
 * namespaces). Its hook is `beforeDelete`, not `afterDelete`: a failing beforeDelete hook fails the deletion,
 * so the marker stays in the state, the destroy reports an error (the infra stack's destroy must not follow)
 * and the next destroy runs the wait again. After an afterDelete failure the marker would already be gone and
 * a rerun would skip the check. Its second hook then removes the CRDs the stack's operators brought, each only
 * when no resource of its kind is left in the cluster (the stack's own went with its namespaces); one still in
 * use (another team's resources) is kept and named in an info line.
 */
export function volumeReleaseMarker(
  target: VolumeMarkerTarget,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMap {
  const { crdGroups, ...access } = target;
  return marker(VOLUME_MARKER, 'Deleting this object waits until the volumes of the stack are released.', {
    ...opts,
    hooks: {
      beforeDelete: [
        volumeReleaseHook(VOLUME_MARKER, access),
        crdCleanupHook(CRD_CLEANUP_HOOK, {
          kubeconfig: access.kubeconfig,
          kubeContext: access.kubeContext,
          groups: crdGroups,
        }),
      ],
    },
  });
}

/**
 * Marker deleted FIRST: it depends on the ingress controller, so it goes before the controller's release;
 * its beforeDelete hook deletes the stack's LoadBalancer Services and, on EKS, waits until AWS has removed their
 * load balancers. Both markers exist on every target, so Pulumi refuses a plain `pulumi destroy` of the stack:
 * delete hooks run only with `pulumi destroy --run-program` or PULUMI_RUN_PROGRAM=true.
 */
export function loadBalancerCleanupMarker(
  target: DestroyTarget,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMap {
  return marker(LOAD_BALANCER_MARKER, 'Deleting this object removes the load balancers of the stack first.', {
    ...opts,
    hooks: { beforeDelete: [loadBalancerCleanupHook(LOAD_BALANCER_MARKER, target)] },
  });
}
