import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { appLabels, appName } from './labels';

export interface AppPodDisruptionBudgetArgs {
  namespace: pulumi.Input<string>;
}

/** Keeps one API pod serving while nodes are drained (upgrades, scale-in). */
export class AppPodDisruptionBudget extends pulumi.ComponentResource {
  constructor(name: string, args: AppPodDisruptionBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:PodDisruptionBudget', name, {}, opts);

    new k8s.policy.v1.PodDisruptionBudget(
      name,
      {
        metadata: { name: appName, namespace: args.namespace, labels: { ...appLabels } },
        spec: {
          minAvailable: 1,
          selector: { matchLabels: { ...appLabels } },
          // Evicting a pod that is not ready costs no availability, so never let it block a drain.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      },
      { parent: this },
    );

    this.registerOutputs({});
  }
}
