import {
  ConfigError,
  type ConfigReader,
  type ConfigSource,
  configReader,
  type Format,
} from '@cloudops-crm/stack-config';
import * as pulumi from '@pulumi/pulumi';
import { type ChartKey, type ChartRef, resolveChartSources } from './chartSources';

export const CONFIG_NAMESPACE = 'cloudops-crm-cluster';

export { ConfigError };

/** The controllers this layer installs. */
export type ManagedIngressController = 'ingress-nginx' | 'traefik';
/** `existing`: the cluster brings its own controller; the layer installs none and uses `ingressClassName`. */
export type IngressControllerKind = ManagedIngressController | 'existing';
export type IngressServiceType = 'LoadBalancer' | 'NodePort';

/** Where the platform runs: the infra stack's EKS cluster, or any cluster named by a kubeconfig. */
export type ClusterTarget =
  | { kind: 'eks'; infraStack: string }
  | { kind: 'local'; kubeconfig: string | undefined; context: string | undefined };

export interface ClusterConfig {
  target: ClusterTarget;
  /** Storage class for every volume; on EKS the infra stack's class (gp3) unless overridden. */
  storageClassName: string | undefined;
  ingressController: IngressControllerKind;
  /** Class every Ingress names: `nginx` (served by either managed controller) or the existing controller's. */
  ingressClassName: string;
  /** NodePort for clusters without a load balancer implementation (kind without cloud-provider-kind). */
  ingressServiceType: IngressServiceType;
  /** Host (and optional port) users type in the browser; discovered from the load balancer when unset. */
  publicHost: string | undefined;
  namespaces: {
    app: string;
    ingress: string;
    database: string;
    elastic: string;
    elasticOperator: string;
    logging: string;
    monitoring: string;
  };
  mongodb: {
    storageSize: string;
    database: string;
    appUsername: string;
  };
  elasticsearch: {
    storageSize: string;
    heapMi: number;
    memoryMi: number;
    logRetentionDays: number;
  };
  monitoring: {
    prometheusStorageSize: string;
    prometheusRetention: string;
    prometheusRetentionSize: string;
    grafanaStorageSize: string;
    alertmanagerEnabled: boolean;
  };
  /** Seconds Helm waits for each release to become ready. */
  helmTimeoutSeconds: number;
  /**
   * False for a cluster whose API server cannot reach pods (a simulated cluster such as kwok's, where no pod really
   * runs): the charts' admission webhooks and metrics-server's aggregated API are not installed, since every call
   * the API server made to them would fail (a webhook with failurePolicy Fail blocks its objects; an unavailable
   * aggregated API blocks namespace deletion).
   */
  controlPlaneReachesPods: boolean;
  /** Which platform components this stack installs; off for clusters that bring their own. */
  components: PlatformComponents;
  /** Every upstream chart's pin and source (`chartSources`); local charts in use already checked. */
  charts: Record<ChartKey, ChartRef>;
}

export interface PlatformComponents {
  /** kube-prometheus-stack (Prometheus Operator CRDs, Prometheus, Grafana), its dashboards, rules and route. */
  monitoring: boolean;
  /** metrics-server in kube-system (resource metrics for `kubectl top` and the app's autoscaler). */
  metricsServer: boolean;
  /** ECK operator, Elasticsearch, Kibana and its route. */
  elasticStack: boolean;
  /** Fluentd shipping to the stack's Elasticsearch, and the Job preparing its index templates. */
  logging: boolean;
}

/** The chart keys the configuration installs: local sources are checked for these only. */
export function chartsInUse(
  ingressController: IngressControllerKind,
  components: PlatformComponents,
): ChartKey[] {
  const used: ChartKey[] = [];
  if (ingressController === 'ingress-nginx') used.push('ingressNginx');
  if (ingressController === 'traefik') used.push('traefik');
  if (components.elasticStack) used.push('eckOperator');
  if (components.logging) used.push('fluentd');
  if (components.monitoring) used.push('kubePrometheusStack');
  if (components.metricsServer) used.push('metricsServer');
  return used;
}

const QUANTITY: Format = { pattern: /^\d+(Mi|Gi|Ti)$/, description: 'a size such as 5Gi' };
const DURATION: Format = { pattern: /^\d+(h|d|w)$/, description: 'a duration such as 7d' };
const SIZE: Format = { pattern: /^\d+(MB|GB|TB)$/, description: 'a size such as 4GB' };
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAMESPACE: Format = { pattern: DNS_LABEL, description: 'a Kubernetes namespace name' };
const MONGODB_NAME = /^[A-Za-z0-9_]{1,63}$/;
const INGRESS_CLASS: Format = {
  pattern: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
  description: 'an IngressClass name',
};
/** Relative local chart paths in `chartSources` are read from the project directory (where Pulumi.yaml is). */
export const PROJECT_DIR = __dirname;

function target(read: ConfigReader): ClusterTarget {
  // Free text (a kubeconfig file's contents or path): only checked for presence.
  const kubeconfig = read.optional('kubeconfig');
  const context = read.optional('kubeContext', {
    pattern: /^[A-Za-z0-9_.@:/-]+$/,
    description: 'a kubeconfig context name',
  });
  if (kubeconfig !== undefined || context !== undefined) {
    return { kind: 'local', kubeconfig, context };
  }
  const infraStack = read.optional('infraStack', {
    pattern: /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/,
    description: 'a stack reference such as my-org/cloudops-crm-infra/dev',
  });
  if (infraStack === undefined) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'infraStack',
      'a value is required (the infra stack to read the EKS kubeconfig from), ' +
        'or set kubeconfig/kubeContext to target a local cluster',
    );
  }
  return { kind: 'eks', infraStack };
}

/** Builds and validates the layer's configuration; throws ConfigError naming the offending key. */
export function loadConfig(source: ConfigSource = new pulumi.Config(CONFIG_NAMESPACE)): ClusterConfig {
  const read = configReader(source, CONFIG_NAMESPACE);
  const clusterTarget = target(read);

  const ingressController = read.oneOf<IngressControllerKind>('ingressController', 'ingress-nginx', [
    'ingress-nginx',
    'traefik',
    'existing',
  ]);
  const configuredClass = read.optional('ingressClassName', INGRESS_CLASS);
  if (ingressController === 'existing' && configuredClass === undefined) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'ingressClassName',
      "a value is required with ingressController 'existing' (the IngressClass your controller serves)",
    );
  }
  if (ingressController !== 'existing' && configuredClass !== undefined) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'ingressClassName',
      `is only for ingressController 'existing'; ${ingressController} serves the class 'nginx'`,
    );
  }
  const ingressClassName = configuredClass ?? 'nginx';
  const ingressServiceType = read.oneOf<IngressServiceType>('ingressServiceType', 'LoadBalancer', [
    'LoadBalancer',
    'NodePort',
  ]);
  if (ingressServiceType === 'NodePort' && clusterTarget.kind === 'eks') {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'ingressServiceType',
      'NodePort is for local clusters; EKS gets its NLB',
    );
  }
  const publicHost = read.optional('publicHost', {
    pattern: /^[A-Za-z0-9.-]+(:\d{1,5})?$/,
    description: 'a host name with an optional :port',
  });
  if (ingressServiceType === 'NodePort' && publicHost === undefined) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'publicHost',
      'a value is required with ingressServiceType NodePort (no load balancer address)',
    );
  }
  if (ingressController === 'existing' && publicHost === undefined) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'publicHost',
      "a value is required with ingressController 'existing' (the layer does not know its controller's address)",
    );
  }

  const controlPlaneReachesPods = read.boolean('controlPlaneReachesPods', true);
  if (!controlPlaneReachesPods && clusterTarget.kind === 'eks') {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'controlPlaneReachesPods',
      'false is for simulated local clusters; on EKS the webhooks and metrics API must be installed',
    );
  }

  const elasticStack = read.boolean('elasticStackEnabled', true);
  // Fluentd ships to the stack's Elasticsearch: without it, logging defaults to off and may not be turned on.
  const logging = read.boolean('loggingEnabled', elasticStack);
  if (logging && !elasticStack) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'loggingEnabled',
      'needs elasticStackEnabled (Fluentd ships to the Elasticsearch this stack runs)',
    );
  }
  const components: PlatformComponents = {
    monitoring: read.boolean('monitoringEnabled', true),
    metricsServer: read.boolean('metricsServerEnabled', true),
    elasticStack,
    logging,
  };
  const chartSources = resolveChartSources(
    CONFIG_NAMESPACE,
    'chartSources',
    read.map('chartSources'),
    PROJECT_DIR,
    chartsInUse(ingressController, components),
  );

  const heapMi = read.integer('elasticsearchHeapMi', 768, 512, 31744);
  const memoryMi = read.integer('elasticsearchMemoryMi', 1536, 1024, 65536);
  // Elasticsearch wants at least half the container memory left for Lucene's file cache and off-heap use.
  if (heapMi * 2 > memoryMi) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'elasticsearchHeapMi',
      `${heapMi} is more than half of elasticsearchMemoryMi (${memoryMi})`,
    );
  }

  const storageClassName = read.optional('storageClassName', {
    pattern: DNS_LABEL,
    description: 'a storage class name',
  });
  if (clusterTarget.kind === 'local' && storageClassName === undefined) {
    throw new ConfigError(
      CONFIG_NAMESPACE,
      'storageClassName',
      "a value is required for a local cluster (kind: 'standard', k3d: 'local-path', minikube: 'standard')",
    );
  }

  const namespace = (key: string, fallback: string) => read.string(key, fallback, NAMESPACE);

  return {
    target: clusterTarget,
    storageClassName,
    ingressController,
    ingressClassName,
    controlPlaneReachesPods,
    ingressServiceType,
    publicHost,
    namespaces: {
      app: namespace('appNamespace', 'crm'),
      ingress: namespace('ingressNamespace', ingressController),
      database: namespace('databaseNamespace', 'database'),
      elastic: namespace('elasticNamespace', 'elastic'),
      elasticOperator: namespace('elasticOperatorNamespace', 'elastic-system'),
      logging: namespace('loggingNamespace', 'logging'),
      monitoring: namespace('monitoringNamespace', 'monitoring'),
    },
    mongodb: {
      storageSize: read.string('mongodbStorageSize', '5Gi', QUANTITY),
      database: read.string('mongodbDatabase', 'crm_db', {
        pattern: MONGODB_NAME,
        description: 'a MongoDB database name',
      }),
      appUsername: read.string('mongodbAppUsername', 'crm_app', {
        pattern: MONGODB_NAME,
        description: 'a MongoDB user name',
      }),
    },
    elasticsearch: {
      storageSize: read.string('elasticsearchStorageSize', '5Gi', QUANTITY),
      heapMi,
      memoryMi,
      logRetentionDays: read.integer('logRetentionDays', 7, 1, 365),
    },
    monitoring: {
      prometheusStorageSize: read.string('prometheusStorageSize', '5Gi', QUANTITY),
      prometheusRetention: read.string('prometheusRetention', '7d', DURATION),
      prometheusRetentionSize: read.string('prometheusRetentionSize', '4GB', SIZE),
      grafanaStorageSize: read.string('grafanaStorageSize', '5Gi', QUANTITY),
      alertmanagerEnabled: read.boolean('alertmanagerEnabled', false),
    },
    helmTimeoutSeconds: read.integer('helmTimeoutSeconds', 900, 60, 3600),
    components,
    charts: chartSources,
  };
}
