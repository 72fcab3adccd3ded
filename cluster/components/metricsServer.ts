import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ChartRef } from '../chartSources';
import { sizing } from '../sizing';
import { pinnedRelease } from './helm';

export const METRICS_SERVER_NAMESPACE = 'kube-system';

export interface MetricsServerArgs {
  /** kind and k3d kubelets serve self-signed certificates metrics-server cannot verify. */
  kubeletInsecureTls: boolean;
  timeoutSeconds: number;
  /** Registers the v1beta1.metrics.k8s.io APIService (see ClusterConfig.controlPlaneReachesPods). */
  apiService: boolean;
  /** The metrics-server chart and its source. */
  chart: ChartRef;
}

/**
 * metrics-server: resource metrics for `kubectl top` and the app's HorizontalPodAutoscaler. Its own switch
 * (`metricsServerEnabled`), apart from monitoring: many clusters already run one.
 */
export class MetricsServer extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:MetricsServer', name, {}, opts);

    this.release = new k8s.helm.v3.Release(
      name,
      {
        ...pinnedRelease(args.chart, 'metrics-server', METRICS_SERVER_NAMESPACE, args.timeoutSeconds),
        values: {
          resources: sizing.metricsServer,
          apiService: { create: args.apiService },
          args: args.kubeletInsecureTls ? ['--kubelet-insecure-tls'] : [],
        },
      },
      {
        parent: this,
        // Declared by Monitoring (as `monitoring-metrics-server`) before it had a component of its own: the alias
        // keeps the existing release instead of replacing it.
        aliases: [{ parent: pulumi.createUrn('monitoring', 'cloudops-crm:cluster:Monitoring') }],
      },
    );

    this.registerOutputs({});
  }
}
