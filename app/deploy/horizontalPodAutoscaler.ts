import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { appLabels, appName } from './labels';

export interface AppAutoscalerArgs {
  namespace: pulumi.Input<string>;
  deploymentName: pulumi.Input<string>;
  minReplicas: number;
  maxReplicas: number;
  targetCpuUtilization: number;
}

/**
 * Scales the API on CPU relative to its request. CPU metrics come from metrics-server, which the cluster
 * layer installs; without it the autoscaler reports unknown metrics and holds minReplicas.
 */
export class AppAutoscaler extends pulumi.ComponentResource {
  constructor(name: string, args: AppAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:HorizontalPodAutoscaler', name, {}, opts);

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      name,
      {
        metadata: { name: appName, namespace: args.namespace, labels: { ...appLabels } },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: args.deploymentName },
          minReplicas: args.minReplicas,
          maxReplicas: args.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: { type: 'Utilization', averageUtilization: args.targetCpuUtilization },
              },
            },
          ],
          // Scale in slowly so a short lull between bursts does not drain capacity.
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      },
      { parent: this },
    );

    this.registerOutputs({});
  }
}
