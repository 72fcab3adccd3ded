import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { appLabels, appName, portName } from './labels';

/** The cluster stack's `components` output: which platform components it installed. */
export interface ClusterComponents {
  ingressController?: string;
  monitoring?: boolean;
  metricsServer?: boolean;
  elasticStack?: boolean;
  logging?: boolean;
}

export interface AppServiceMonitorArgs {
  namespace: pulumi.Input<string>;
}

/** Prometheus scrape target; the cluster layer's Prometheus selects ServiceMonitors from every namespace. */
export class AppServiceMonitor extends pulumi.ComponentResource {
  constructor(name: string, args: AppServiceMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:ServiceMonitor', name, {}, opts);

    new k8s.apiextensions.CustomResource(
      name,
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: appName, namespace: args.namespace, labels: { ...appLabels } },
        spec: {
          selector: { matchLabels: { ...appLabels } },
          namespaceSelector: { matchNames: [args.namespace] },
          endpoints: [{ port: portName, path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
        },
      },
      { parent: this },
    );

    this.registerOutputs({});
  }
}
