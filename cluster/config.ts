import * as pulumi from '@pulumi/pulumi';

export const CONFIG_NAMESPACE = 'cloudops-crm-cluster';

/** Thrown when a stack configuration value is missing or malformed; the message names the key. */
export class ConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid configuration '${CONFIG_NAMESPACE}:${key}': ${problem}`);
    this.name = 'ConfigError';
  }
}

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

/** Reads raw values; a Pulumi config namespace in the program, a plain map in tests. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

const QUANTITY = /^\d+(Mi|Gi|Ti)$/;
const DURATION = /^\d+(h|d|w)$/;
const SIZE = /^\d+(MB|GB|TB)$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const STACK_NAME = /^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

class Reader {
  constructor(private readonly source: ConfigSource) {}

  private raw(key: string): string | undefined {
    const value = this.source.get(key);
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  optional(key: string, pattern: RegExp, hint: string): string | undefined {
    const value = this.raw(key);
    if (value !== undefined && !pattern.test(value)) {
      throw new ConfigError(key, `'${value}' is not ${hint}`);
    }
    return value;
  }

  string(key: string, fallback: string, pattern: RegExp, hint: string): string {
    return this.optional(key, pattern, hint) ?? fallback;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new ConfigError(key, `'${value}' is not a whole number`);
    const n = Number(value);
    if (n < min || n > max) throw new ConfigError(key, `${n} is outside ${min}..${max}`);
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (value !== 'true' && value !== 'false') throw new ConfigError(key, `'${value}' is not true or false`);
    return value === 'true';
  }

  /** Free text such as a kubeconfig file's contents or path: only checked for presence. */
  text(key: string): string | undefined {
    return this.raw(key);
  }
}

function target(r: Reader): ClusterTarget {
  const kubeconfig = r.text('kubeconfig');
  const context = r.optional('kubeContext', /^[A-Za-z0-9_.@:/-]+$/, 'a kubeconfig context name');
  if (kubeconfig !== undefined || context !== undefined) {
    return { kind: 'local', kubeconfig, context };
  }
  const infraStack = r.optional(
    'infraStack',
    STACK_NAME,
    'a stack reference such as my-org/cloudops-crm-infra/dev',
  );
  if (infraStack === undefined) {
    throw new ConfigError(
      'infraStack',
      'a value is required (the infra stack to read the EKS kubeconfig from), ' +
        'or set kubeconfig/kubeContext to target a local cluster',
    );
  }
  return { kind: 'eks', infraStack };
}

/** Builds and validates the layer's configuration; throws ConfigError naming the offending key. */
export function loadConfig(source: ConfigSource = new pulumi.Config(CONFIG_NAMESPACE)): ClusterConfig {
  const r = new Reader(source);
  const clusterTarget = target(r);

  const ingressController = r.string(
    'ingressController',
    'ingress-nginx',
    /^(ingress-nginx|traefik)$/,
    "'ingress-nginx' or 'traefik'",
  ) as IngressControllerKind;

  const ingressServiceType = r.string(
    'ingressServiceType',
    'LoadBalancer',
    /^(LoadBalancer|NodePort)$/,
    "'LoadBalancer' or 'NodePort'",
  ) as IngressServiceType;
  if (ingressServiceType === 'NodePort' && clusterTarget.kind === 'eks') {
    throw new ConfigError('ingressServiceType', 'NodePort is for local clusters; EKS gets its NLB');
  }
  const publicHost = r.optional('publicHost', HOST, 'a host name with an optional :port');
  if (ingressServiceType === 'NodePort' && publicHost === undefined) {
    throw new ConfigError(
      'publicHost',
      'a value is required with ingressServiceType NodePort (no load balancer address)',
    );
  }

  const heapMi = r.integer('elasticsearchHeapMi', 768, 512, 31744);
  const memoryMi = r.integer('elasticsearchMemoryMi', 1536, 1024, 65536);
  // Elasticsearch wants at least half the container memory left for Lucene's file cache and off-heap use.
  if (heapMi * 2 > memoryMi) {
    throw new ConfigError(
      'elasticsearchHeapMi',
      `${heapMi} is more than half of elasticsearchMemoryMi (${memoryMi})`,
    );
  }

  const storageClassName = r.optional('storageClassName', DNS_LABEL, 'a storage class name');
  if (clusterTarget.kind === 'local' && storageClassName === undefined) {
    throw new ConfigError(
      'storageClassName',
      "a value is required for a local cluster (kind: 'standard', k3d: 'local-path', minikube: 'standard')",
    );
  }

  const namespace = (key: string, fallback: string) =>
    r.string(key, fallback, DNS_LABEL, 'a Kubernetes namespace name');

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
      storageSize: r.string('mongodbStorageSize', '5Gi', QUANTITY, 'a size such as 5Gi'),
      database: r.string('mongodbDatabase', 'crm_db', /^[A-Za-z0-9_]{1,63}$/, 'a MongoDB database name'),
      appUsername: r.string('mongodbAppUsername', 'crm_app', /^[A-Za-z0-9_]{1,63}$/, 'a MongoDB user name'),
    },
    elasticsearch: {
      storageSize: r.string('elasticsearchStorageSize', '5Gi', QUANTITY, 'a size such as 5Gi'),
      heapMi,
      memoryMi,
      logRetentionDays: r.integer('logRetentionDays', 7, 1, 365),
    },
    monitoring: {
      prometheusStorageSize: r.string('prometheusStorageSize', '5Gi', QUANTITY, 'a size such as 5Gi'),
      prometheusRetention: r.string('prometheusRetention', '7d', DURATION, 'a duration such as 7d'),
      prometheusRetentionSize: r.string('prometheusRetentionSize', '4GB', SIZE, 'a size such as 4GB'),
      grafanaStorageSize: r.string('grafanaStorageSize', '5Gi', QUANTITY, 'a size such as 5Gi'),
      alertmanagerEnabled: r.boolean('alertmanagerEnabled', false),
    },
    helmTimeoutSeconds: r.integer('helmTimeoutSeconds', 900, 60, 3600),
  };
}
