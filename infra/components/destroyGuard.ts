import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { clusterLayerGuardHook } from '../guard/clusterLayerGuard';

export const DESTROY_GUARD_MARKER = 'cloudops-crm-infra-destroy-guard';

export interface DestroyGuardArgs {
  clusterName: pulumi.Input<string>;
  kubeconfig: pulumi.Input<string>;
  /** Everything of this stack the guard must go before: the cluster, its access, storage, registry, identities. */
  guards: pulumi.Resource[];
}

/**
 * Refuses an infra destroy while the cluster layer still exists. The check hangs on a marker ConfigMap that depends
 * on every other resource of the stack, so a destroy deletes it (and runs its `beforeDelete` hook) first: a refusal
 * fails the destroy before anything else is gone, and the marker stays for the next attempt. A hook on the EKS
 * cluster itself would come too late, after the node group, add-ons and access entries that depend on the cluster
 * had been deleted. The marker sits in kube-system under a fixed name, with a provider identified by the cluster
 * name, so an ordinary update never replaces it (a replacement would delete it and run the hook).
 */
export class DestroyGuard extends pulumi.ComponentResource {
  readonly marker: k8s.core.v1.ConfigMap;

  constructor(name: string, args: DestroyGuardArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops:infra:DestroyGuard', name, {}, opts);

    const provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: args.kubeconfig, clusterIdentifier: pulumi.interpolate`eks:${args.clusterName}` },
      { parent: this },
    );
    this.marker = new k8s.core.v1.ConfigMap(
      name,
      {
        metadata: {
          name: DESTROY_GUARD_MARKER,
          namespace: 'kube-system',
          labels: { 'app.kubernetes.io/part-of': 'cloudops-crm', 'app.kubernetes.io/managed-by': 'pulumi' },
        },
        data: {
          purpose: 'Deleting this object refuses while the cluster layer still has resources in the cluster.',
        },
      },
      {
        parent: this,
        provider,
        dependsOn: args.guards,
        hooks: {
          beforeDelete: [
            clusterLayerGuardHook(DESTROY_GUARD_MARKER, {
              clusterName: args.clusterName,
              kubeconfig: args.kubeconfig,
              ownMarker: DESTROY_GUARD_MARKER,
            }),
          ],
        },
      },
    );
    this.registerOutputs({});
  }
}
