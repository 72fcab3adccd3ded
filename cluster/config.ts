import {
  ConfigError,
  type ConfigReader,
  type ConfigSource,
  configReader,
  type Format,
} from '@cloudops-crm/stack-config';
import * as pulumi from '@pulumi/pulumi';

export const CONFIG_NAMESPACE = 'cloudops-crm-cluster';

export { ConfigError };

export type IngressControllerKind = 'ingress-nginx' | 'traefik';
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
}

const QUANTITY: Format = { pattern: /^\d+(Mi|Gi|Ti)$/, description: 'a size such as 5Gi' };
const DURATION: Format = { pattern: /^\d+(h|d|w)$/, description: 'a duration such as 7d' };
const SIZE: Format = { pattern: /^\d+(MB|GB|TB)$/, description: 'a size such as 4GB' };
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAMESPACE: Format = { pattern: DNS_LABEL, description: 'a Kubernetes namespace name' };
const MONGODB_NAME = /^[A-Za-z0-9_]{1,63}$/;

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
  ]);
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
  };
}
