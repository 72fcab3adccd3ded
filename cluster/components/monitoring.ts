import { GeneratedSecret } from '@cloudops-crm/generated-secret';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ChartRef } from '../chartSources';
import { sizing } from '../sizing';
import { pinnedRelease } from './helm';
import type { ScrapeTarget } from './ingressController';

export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
/** The sidecar loads every ConfigMap carrying this label (value "1") as a dashboard. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
export const KPS_RELEASE_NAME = 'kube-prometheus-stack';
/** Service the chart creates for Grafana: <release>-grafana, port 80. */
export const GRAFANA_SERVICE = `${KPS_RELEASE_NAME}-grafana`;

export interface MonitoringArgs {
  namespace: pulumi.Input<string>;
  storageClassName: pulumi.Input<string>;
  prometheus: { retention: string; retentionSize: string; storageSize: string };
  grafana: { storageSize: string; publicUrl: pulumi.Input<string> };
  alertmanagerEnabled: boolean;
  /** EKS hides the control plane: its scrape targets would only ever be down. */
  managedControlPlane: boolean;
  /** Platform components whose charts cannot create their ServiceMonitor before the CRDs exist. */
  scrapeTargets: ScrapeTarget[];
  timeoutSeconds: number;
  /** prometheus-operator's admission webhooks (see ClusterConfig.controlPlaneReachesPods). */
  admissionWebhooks: boolean;
  /** The kube-prometheus-stack chart and its source. */
  chart: ChartRef;
}

const selectEverything = {
  // Select ServiceMonitors/PodMonitors/Probes/rules from every namespace without a `release`
  // label: an explicit empty selector, and the chart told not to substitute its own.
  serviceMonitorSelectorNilUsesHelmValues: false,
  serviceMonitorSelector: {},
  serviceMonitorNamespaceSelector: {},
  podMonitorSelectorNilUsesHelmValues: false,
  podMonitorSelector: {},
  podMonitorNamespaceSelector: {},
  ruleSelectorNilUsesHelmValues: false,
  ruleSelector: {},
  ruleNamespaceSelector: {},
  probeSelectorNilUsesHelmValues: false,
  probeSelector: {},
  probeNamespaceSelector: {},
  scrapeConfigSelectorNilUsesHelmValues: false,
  scrapeConfigSelector: {},
  scrapeConfigNamespaceSelector: {},
};

/** kube-prometheus-stack (Prometheus, Grafana, optional Alertmanager). metrics-server is MetricsServer. */
export class Monitoring extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly grafanaAdminPassword: pulumi.Output<string>;
  readonly serviceMonitors: k8s.apiextensions.CustomResource[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:Monitoring', name, {}, opts);

    const password = new GeneratedSecret(`${name}-grafana-admin`, { length: 32 }, { parent: this });
    this.grafanaAdminPassword = pulumi.secret(password.value);
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: {
          name: GRAFANA_ADMIN_SECRET,
          namespace: args.namespace,
          labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        type: 'Opaque',
        stringData: { 'admin-user': 'admin', 'admin-password': this.grafanaAdminPassword },
      },
      { parent: this },
    );

    const volumeClaim = (size: string) => ({
      spec: {
        storageClassName: args.storageClassName,
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: size } },
      },
    });

    this.release = new k8s.helm.v3.Release(
      name,
      {
        ...pinnedRelease(args.chart, KPS_RELEASE_NAME, args.namespace, args.timeoutSeconds),
        values: {
          // Adds the prometheus-operator kinds (ServiceMonitor, …) to the view/edit/admin ClusterRoles, so the
          // app deployers' `edit` in the app namespace covers the app's ServiceMonitor.
          global: { rbac: { createAggregateClusterRoles: true } },
          // The DaemonSet needs host networking and host paths: not allowed in a restricted namespace.
          nodeExporter: { enabled: false },
          kubeControllerManager: { enabled: !args.managedControlPlane },
          kubeScheduler: { enabled: !args.managedControlPlane },
          kubeEtcd: { enabled: !args.managedControlPlane },
          kubeProxy: { enabled: !args.managedControlPlane },
          prometheusOperator: {
            resources: sizing.prometheusOperator,
            prometheusConfigReloader: { resources: sizing.prometheusConfigReloader },
            admissionWebhooks: {
              enabled: args.admissionWebhooks,
              patch: { resources: sizing.prometheusWebhookJob },
            },
          },
          'kube-state-metrics': { resources: sizing.kubeStateMetrics },
          prometheus: {
            prometheusSpec: {
              ...selectEverything,
              retention: args.prometheus.retention,
              retentionSize: args.prometheus.retentionSize,
              resources: sizing.prometheus,
              storageSpec: { volumeClaimTemplate: volumeClaim(args.prometheus.storageSize) },
            },
          },
          alertmanager: {
            enabled: args.alertmanagerEnabled,
            alertmanagerSpec: { resources: sizing.alertmanager },
          },
          grafana: {
            admin: {
              existingSecret: GRAFANA_ADMIN_SECRET,
              userKey: 'admin-user',
              passwordKey: 'admin-password',
            },
            'grafana.ini': {
              server: {
                root_url: args.grafana.publicUrl,
                serve_from_sub_path: true,
              },
            },
            resources: sizing.grafana,
            persistence: {
              enabled: true,
              type: 'pvc',
              storageClassName: args.storageClassName,
              accessModes: ['ReadWriteOnce'],
              size: args.grafana.storageSize,
            },
            // A ReadWriteOnce volume cannot be attached to the old and the new pod at once.
            deploymentStrategy: { type: 'Recreate' },
            // fsGroup already gives Grafana its volume; the root chown container breaks restricted PSS.
            initChownData: { enabled: false },
            sidecar: {
              resources: sizing.grafanaSidecar,
              // Without Alertmanager the chart would still provision a datasource pointing at its missing Service.
              datasources: { alertmanager: { enabled: args.alertmanagerEnabled } },
              dashboards: {
                enabled: true,
                label: GRAFANA_DASHBOARD_LABEL,
                labelValue: '1',
                searchNamespace: 'ALL',
              },
            },
          },
        },
      },
      { parent: this, dependsOn: [adminSecret] },
    );

    this.serviceMonitors = args.scrapeTargets.map(
      (target) =>
        new k8s.apiextensions.CustomResource(
          `${name}-scrape-${target.name}`,
          {
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'ServiceMonitor',
            metadata: {
              name: target.name,
              namespace: target.namespace,
              labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
            },
            spec: {
              selector: { matchLabels: target.selector },
              endpoints: [{ port: target.port, path: '/metrics', interval: '30s' }],
            },
          },
          { parent: this, dependsOn: [this.release] },
        ),
    );

    this.registerOutputs({});
  }
}
