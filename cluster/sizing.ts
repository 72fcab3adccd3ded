/**
 * Requests and limits of every container the layer runs. The totals must fit two t3a.medium nodes
 * next to the EKS system pods and the CRM app (see README.md "Capacity"); test/capacity.test.ts
 * recomputes them from the values the program hands to Helm and ECK.
 */

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

const r = (reqCpu: string, reqMem: string, limCpu: string, limMem: string): Resources => ({
  requests: { cpu: reqCpu, memory: reqMem },
  limits: { cpu: limCpu, memory: limMem },
});

export const sizing = {
  ingressController: r('100m', '128Mi', '500m', '256Mi'),
  ingressWebhookJob: r('10m', '32Mi', '100m', '64Mi'),
  mongodb: r('250m', '512Mi', '1000m', '768Mi'),
  eckOperator: r('50m', '150Mi', '500m', '384Mi'),
  kibana: r('200m', '768Mi', '1000m', '1Gi'),
  elasticsearchSetupJob: r('10m', '32Mi', '100m', '64Mi'),
  fluentd: r('100m', '200Mi', '500m', '400Mi'),
  prometheusOperator: r('50m', '128Mi', '200m', '256Mi'),
  prometheusConfigReloader: r('10m', '32Mi', '100m', '64Mi'),
  prometheusWebhookJob: r('10m', '32Mi', '100m', '64Mi'),
  prometheus: r('200m', '400Mi', '1000m', '1Gi'),
  alertmanager: r('10m', '64Mi', '100m', '128Mi'),
  grafana: r('100m', '192Mi', '500m', '384Mi'),
  grafanaSidecar: r('20m', '64Mi', '100m', '128Mi'),
  kubeStateMetrics: r('20m', '64Mi', '200m', '128Mi'),
  metricsServer: r('50m', '64Mi', '200m', '128Mi'),
} as const satisfies Record<string, Resources>;

/** Elasticsearch gets a guaranteed slice: request equals limit, sized from the configured heap. */
export function elasticsearchResources(memoryMi: number): Resources {
  return r('500m', `${memoryMi}Mi`, '1500m', `${memoryMi}Mi`);
}
