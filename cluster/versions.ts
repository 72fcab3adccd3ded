/**
 * Every chart, image and stack version the layer installs, pinned in one place so an upgrade is a
 * reviewed one-line change. README.md records which upstream values.yaml each chart's values were
 * written against.
 */

export interface ChartPin {
  chart: string;
  version: string;
  repository: string;
}

export const charts = {
  ingressNginx: {
    chart: 'ingress-nginx',
    version: '4.15.1',
    repository: 'https://kubernetes.github.io/ingress-nginx',
  },
  traefik: {
    chart: 'traefik',
    version: '41.3.0',
    repository: 'https://traefik.github.io/charts',
  },
  eckOperator: {
    chart: 'eck-operator',
    version: '3.5.0',
    repository: 'https://helm.elastic.co',
  },
  fluentd: {
    chart: 'fluentd',
    version: '0.6.0',
    repository: 'https://fluent.github.io/helm-charts',
  },
  kubePrometheusStack: {
    chart: 'kube-prometheus-stack',
    version: '88.5.3',
    repository: 'https://prometheus-community.github.io/helm-charts',
  },
  metricsServer: {
    chart: 'metrics-server',
    version: '3.13.1',
    repository: 'https://kubernetes-sigs.github.io/metrics-server/',
  },
} as const satisfies Record<string, ChartPin>;

export const images = {
  /** Official MongoDB image (Docker Official Images), not Bitnami. */
  mongo: { repository: 'mongo', tag: '8.0.16' },
  /** Used by the Job that applies the Elasticsearch templates, pipeline and ILM policy. */
  curl: { repository: 'curlimages/curl', tag: '8.11.1' },
} as const;

/**
 * The fluentd chart builds its image tag as v<appVersion>-debian-<variant>-<variantVersion>: here
 * v1.19.3-debian-elasticsearch9-1.1, whose client (elasticsearch 9.x, fluent-plugin-elasticsearch 6.0) matches the
 * Elasticsearch 9 that ECK runs.
 */
export const FLUENTD_IMAGE_VARIANT = { variant: 'elasticsearch9', variantVersion: '1.1' } as const;

/** Elastic Stack version run by ECK 3.5 (its samples and default e2e version). */
export const ELASTIC_STACK_VERSION = '9.4.3';
