import { isRecord, rule } from './types';

/** Label (or annotation) with value "true" that marks the one Service allowed to be a LoadBalancer. */
export const INGRESS_CONTROLLER_LABEL = 'cloudops-crm.io/ingress-controller';

/**
 * Chart name -> paths in its values whose `type` sets the controller Service's type. ingress-nginx:
 * `controller.service.type`; Traefik: `service.type`, or `service.spec.type` (merged into the Service spec).
 */
export const INGRESS_CONTROLLER_CHARTS: Record<string, string[]> = {
  'ingress-nginx': ['controller.service'],
  traefik: ['service', 'service.spec'],
};

const HELM_TYPES = new Set([
  'kubernetes:helm.sh/v3:Release',
  'kubernetes:helm.sh/v4:Chart',
  'kubernetes:helm.sh/v3:Chart',
]);

function isIngressControllerService(metadata: unknown): boolean {
  if (!isRecord(metadata)) return false;
  const labels = isRecord(metadata.labels) ? metadata.labels : {};
  const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
  if (labels[INGRESS_CONTROLLER_LABEL] === 'true' || annotations[INGRESS_CONTROLLER_LABEL] === 'true')
    return true;
  // The labels the ingress-nginx chart puts on its controller Service.
  return (
    labels['app.kubernetes.io/name'] === 'ingress-nginx' &&
    labels['app.kubernetes.io/component'] === 'controller'
  );
}

/** Paths in Helm values whose object sets `type: LoadBalancer`, e.g. "grafana.service". */
export function loadBalancerPaths(values: unknown, prefix = ''): string[] {
  if (!isRecord(values)) return [];
  const found: string[] = [];
  if (values.type === 'LoadBalancer' && prefix !== '') found.push(prefix);
  for (const [key, child] of Object.entries(values)) {
    found.push(...loadBalancerPaths(child, prefix ? `${prefix}.${key}` : key));
  }
  return found;
}

/** "oci://ghcr.io/traefik/helm/traefik", "ingress-nginx/ingress-nginx" -> the chart's own name. */
export function chartName(chart: unknown): string {
  if (typeof chart !== 'string') return '';
  return chart.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** Every LoadBalancer is a billed NLB with a public address; only the ingress controller gets one. */
export const singleLoadBalancer = rule(
  'only-ingress-controller-load-balancer',
  `Only the ingress controller's Service may be of type LoadBalancer (label ${INGRESS_CONTROLLER_LABEL}: "true", or the ingress-nginx/Traefik chart's controller Service).`,
  ({ type, props }, report) => {
    if (type === 'kubernetes:core/v1:Service') {
      const spec = isRecord(props.spec) ? props.spec : {};
      if (spec.type === 'LoadBalancer' && !isIngressControllerService(props.metadata)) {
        report(
          `Service is of type LoadBalancer but is not the ingress controller (label ${INGRESS_CONTROLLER_LABEL})`,
        );
      }
      return;
    }
    if (HELM_TYPES.has(type)) {
      const allowed = INGRESS_CONTROLLER_CHARTS[chartName(props.chart)] ?? [];
      for (const path of loadBalancerPaths(props.values)) {
        if (!allowed.includes(path)) {
          report(
            `Helm values set ${path}.type to LoadBalancer; only the ingress controller's Service may be one`,
          );
        }
      }
    }
  },
);
