import { isRecord } from './types';

/** Helm resource types whose `values` the rules read: a Release's rendered objects are invisible to policies. */
export const HELM_TYPES = new Set([
  'kubernetes:helm.sh/v3:Release',
  'kubernetes:helm.sh/v4:Chart',
  'kubernetes:helm.sh/v3:Chart',
]);

/** "oci://ghcr.io/traefik/helm/traefik", "ingress-nginx/ingress-nginx" -> the chart's own name. */
export function chartName(chart: unknown): string {
  if (typeof chart !== 'string') return '';
  return chart.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** The namespace a Helm resource installs into; Helm's own default is `default`. */
export function releaseNamespace(props: Record<string, unknown>): string {
  return typeof props.namespace === 'string' && props.namespace !== '' ? props.namespace : 'default';
}

/** The Helm release name: explicit `name`/`releaseName`, else the Pulumi resource name. */
export function releaseName(name: string, props: Record<string, unknown>): string {
  for (const candidate of [props.name, props.releaseName]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return name;
}

export function metadataOf(props: Record<string, unknown>): {
  namespace: string;
  labels: Record<string, unknown>;
  annotations: Record<string, unknown>;
} {
  const metadata = isRecord(props.metadata) ? props.metadata : {};
  return {
    namespace:
      typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : 'default',
    labels: isRecord(metadata.labels) ? metadata.labels : {},
    annotations: isRecord(metadata.annotations) ? metadata.annotations : {},
  };
}
