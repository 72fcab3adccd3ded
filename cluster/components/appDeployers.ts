import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { APP_DEPLOYERS_GROUP } from '../contract';

export interface AppDeployersArgs {
  namespace: pulumi.Input<string>;
}

/**
 * What the identities that roll out the app may do in the cluster: `edit` in the app namespace, for the
 * Kubernetes group their EKS access entries put them in (the GitHub CI role, the app layer's Deployments role).
 * EKS access policies cover Kubernetes' own kinds only; `edit` also aggregates the ServiceMonitor permissions
 * kube-prometheus-stack adds, so the app layer can declare its scrape target without cluster admin.
 */
export class AppDeployers extends pulumi.ComponentResource {
  readonly binding: k8s.rbac.v1.RoleBinding;

  constructor(name: string, args: AppDeployersArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:AppDeployers', name, {}, opts);

    this.binding = new k8s.rbac.v1.RoleBinding(
      name,
      {
        metadata: { name: 'cloudops-crm-app-deployers', namespace: args.namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: APP_DEPLOYERS_GROUP }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
