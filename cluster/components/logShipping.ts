import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ChartRef } from '../chartSources';
import { sizing } from '../sizing';
import { FLUENTD_IMAGE_VARIANT } from '../versions';
import { PUBLISHED_CA_SECRET } from './elasticsearchSetup';
import { pinnedRelease } from './helm';

export const FLUENTD_FILES_DIR = path.join(__dirname, '..', 'fluentd');
/**
 * The chart merges fileConfigs with its defaults key by key, so the layer replaces exactly the
 * chart's four keys; a new name would leave the chart's default pipeline running alongside.
 */
export const FLUENTD_CONFIG_FILES = [
  '01_sources.conf',
  '02_filters.conf',
  '03_dispatch.conf',
  '04_outputs.conf',
];
export const FLUENTD_CREDENTIALS_SECRET = 'fluentd-elasticsearch';

export interface LogShippingArgs {
  namespace: pulumi.Input<string>;
  elasticsearchHost: pulumi.Input<string>;
  elasticPassword: pulumi.Input<string>;
  /** Namespaces routed to logs-crm and logs-mongodb; everything else lands in logs-system. */
  appNamespace: string;
  databaseNamespace: string;
  loggingNamespace: string;
  /**
   * Where the chart's Fluentd dashboard ConfigMap goes (Grafana's sidecar watches every namespace); no dashboard
   * without one (no monitoring).
   */
  dashboardsNamespace: pulumi.Input<string> | undefined;
  /** Needs the Prometheus Operator CRDs: only with monitoring. */
  serviceMonitor: boolean;
  timeoutSeconds: number;
  /** The fluentd chart and its source. */
  chart: ChartRef;
}

/** Fluentd configuration with the namespace names filled in. */
export function fluentdConfigFiles(args: {
  appNamespace: string;
  databaseNamespace: string;
  loggingNamespace: string;
}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of FLUENTD_CONFIG_FILES) {
    files[file] = fs
      .readFileSync(path.join(FLUENTD_FILES_DIR, file), 'utf8')
      .replaceAll('{{APP_NAMESPACE}}', args.appNamespace)
      .replaceAll('{{DATABASE_NAMESPACE}}', args.databaseNamespace)
      .replaceAll('{{LOGGING_NAMESPACE}}', args.loggingNamespace);
  }
  return files;
}

/** Fluentd on every node, shipping container logs to Elasticsearch over verified TLS. */
export class LogShipping extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: LogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:LogShipping', name, {}, opts);

    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: FLUENTD_CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        type: 'kubernetes.io/basic-auth',
        stringData: { username: 'elastic', password: args.elasticPassword },
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      name,
      {
        ...pinnedRelease(args.chart, 'fluentd', args.namespace, args.timeoutSeconds),
        values: {
          kind: 'DaemonSet',
          ...FLUENTD_IMAGE_VARIANT,
          resources: sizing.fluentd,
          // Reads root-owned files under /var/log on the host; no capability beyond file ownership.
          podSecurityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: 'RuntimeDefault' } },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ['ALL'] },
          },
          // Every node, including tainted ones, has container logs to ship.
          tolerations: [{ operator: 'Exists' }],
          podSecurityPolicy: { enabled: false },
          mountVarLogDirectory: true,
          // containerd keeps logs under /var/log/pods; there is no Docker directory on the nodes.
          mountDockerContainersDirectory: false,
          env: [
            { name: 'ELASTICSEARCH_HOST', value: args.elasticsearchHost },
            { name: 'ELASTICSEARCH_PORT', value: '9200' },
            {
              name: 'ELASTICSEARCH_USERNAME',
              valueFrom: { secretKeyRef: { name: FLUENTD_CREDENTIALS_SECRET, key: 'username' } },
            },
            {
              name: 'ELASTICSEARCH_PASSWORD',
              valueFrom: { secretKeyRef: { name: FLUENTD_CREDENTIALS_SECRET, key: 'password' } },
            },
            // The metadata filter then watches only this node's pods.
            { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ],
          volumes: [
            {
              name: 'elasticsearch-ca',
              secret: { secretName: PUBLISHED_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
            },
          ],
          volumeMounts: [{ name: 'elasticsearch-ca', mountPath: '/etc/elasticsearch-ca', readOnly: true }],
          fileConfigs: fluentdConfigFiles(args),
          metrics: { serviceMonitor: { enabled: args.serviceMonitor } },
          dashboards:
            args.dashboardsNamespace === undefined
              ? // The chart tests `if .Values.dashboards.enabled`: the string 'false' would count as true.
                { enabled: false }
              : { enabled: 'true', namespace: args.dashboardsNamespace },
        },
      },
      { parent: this, dependsOn: [credentials] },
    );

    this.registerOutputs({});
  }
}
