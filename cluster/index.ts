import * as pulumi from '@pulumi/pulumi';
import { AppDeployers } from './components/appDeployers';
import {
  loadBalancerCleanupMarker,
  operatorCrdGroups,
  volumeReleaseMarker,
} from './components/destroyMarkers';
import { ElasticStack, KIBANA_PORT, KIBANA_SERVICE } from './components/elasticStack';
import { ElasticsearchSetup } from './components/elasticsearchSetup';
import { IngressController, loadBalancerAddress } from './components/ingressController';
import { LogShipping } from './components/logShipping';
import { MetricsServer } from './components/metricsServer';
import { MongoDb } from './components/mongodb';
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_SERVICE, Monitoring } from './components/monitoring';
import { type NamespaceSpec, PlatformNamespaces } from './components/namespaces';
import { type Route, Routes } from './components/routes';
import { loadConfig } from './config';
import { APP_POD_SELECTOR, MONGO_APP_SECRET, PATHS } from './contract';
import { targetCluster } from './kubernetesProvider';
import { OBSERVABILITY_DIR, ObservabilityContent } from './observability/content';

const config = loadConfig();
const cluster = targetCluster(config.target);
const opts = { provider: cluster.provider };
const timeout = config.helmTimeoutSeconds;
const storageClassName = config.storageClassName ?? cluster.storageClassName!;
const ns = config.namespaces;
const on = config.components;
const managedIngress = config.ingressController === 'existing' ? undefined : config.ingressController;

type NamespaceKey = keyof typeof ns;
// Only the namespaces of the components this stack installs; a component switched off leaves its namespace alone.
const namespaceSpecs: Partial<Record<NamespaceKey, NamespaceSpec>> = {
  app: { name: ns.app, podSecurity: 'restricted', purpose: 'CRM API (deployed by the app layer)' },
  ...(managedIngress && {
    ingress: { name: ns.ingress, podSecurity: 'restricted', purpose: 'ingress controller behind the NLB' },
  }),
  database: { name: ns.database, podSecurity: 'restricted', purpose: 'MongoDB' },
  ...(on.elasticStack && {
    elastic: { name: ns.elastic, podSecurity: 'restricted', purpose: 'Elasticsearch and Kibana' },
    elasticOperator: { name: ns.elasticOperator, podSecurity: 'restricted', purpose: 'ECK operator' },
  }),
  ...(on.logging && {
    // Fluentd reads container logs from host paths, which only the privileged level allows.
    logging: { name: ns.logging, podSecurity: 'privileged', purpose: 'Fluentd log shipping' },
  }),
  ...(on.monitoring && {
    monitoring: { name: ns.monitoring, podSecurity: 'restricted', purpose: 'Prometheus and Grafana' },
  }),
};
// Everything in the cluster this stack answers for: the destroy cleanups act in these namespaces only.
const ownedNamespaces = Object.values(namespaceSpecs).map((spec) => spec.name);
const destroyTarget = { ...cluster.cleanupAccess, namespaces: ownedNamespaces };

// Volumes outlive their claims until their driver has deleted them (on EKS the EBS CSI driver, in AWS); the
// namespaces depend on this marker so that a destroy waits for that after the namespaces (and their claims) are
// gone, before the infra stack may remove the nodes and the driver. Both markers exist on every target.
// After that wait, the same marker's second hook removes the CRDs of the operators the stack installed (ECK,
// prometheus-operator), which Helm keeps, each only when no resource of its kind is left in the cluster.
const volumeMarker = volumeReleaseMarker(
  { ...destroyTarget, crdGroups: operatorCrdGroups(on, ns.elasticOperator) },
  opts,
);

const namespaces = new PlatformNamespaces(
  'ns',
  { namespaces: namespaceSpecs as Record<NamespaceKey, NamespaceSpec> },
  { ...opts, dependsOn: [volumeMarker] },
);
/** Created namespaces by key; a switched-off component's key is absent (`required` fails loudly on one). */
const names: Partial<Record<NamespaceKey, pulumi.Output<string>>> = namespaces.names;
function required(key: NamespaceKey): pulumi.Output<string> {
  const name = names[key];
  if (!name) throw new Error(`namespace '${key}' is not created with this configuration`);
  return name;
}

const appDeployers = new AppDeployers('app-deployers', { namespace: required('app') }, opts);

// `existing`: the cluster's own controller serves config.ingressClassName; the layer installs none.
const ingress = managedIngress
  ? new IngressController(
      'ingress',
      {
        kind: managedIngress,
        chart: config.charts[managedIngress === 'ingress-nginx' ? 'ingressNginx' : 'traefik'],
        namespace: required('ingress'),
        serviceType: config.ingressServiceType,
        awsNlb: cluster.isEks,
        tls: cluster.eks?.publicTls,
        timeoutSeconds: timeout,
        admissionWebhooks: config.controlPlaneReachesPods,
      },
      opts,
    )
  : undefined;
// NodePort and an existing controller have no address to read; config then names the host (checked in config.ts).
const address = config.publicHost
  ? pulumi.output(config.publicHost)
  : loadBalancerAddress('ingress-lb', ingress!.serviceId, { ...opts, dependsOn: [ingress!] });
// With TLS every URL names the certificate's domain over https (the NLB address would fail the certificate check);
// without it, http:// and the address as before. Port 80 then only redirects, so no http URL is handed out.
const tls = cluster.eks?.publicTls ?? pulumi.output(undefined);
const baseUrl = pulumi
  .all([tls, address])
  .apply(([publicTls, host]) => (publicTls ? `https://${publicTls.domain}` : `http://${host}`));

const monitoring = on.monitoring
  ? new Monitoring(
      'monitoring',
      {
        chart: config.charts.kubePrometheusStack,
        namespace: required('monitoring'),
        storageClassName,
        prometheus: {
          retention: config.monitoring.prometheusRetention,
          retentionSize: config.monitoring.prometheusRetentionSize,
          storageSize: config.monitoring.prometheusStorageSize,
        },
        grafana: {
          storageSize: config.monitoring.grafanaStorageSize,
          publicUrl: pulumi.interpolate`${baseUrl}${PATHS.grafana}/`,
        },
        alertmanagerEnabled: config.monitoring.alertmanagerEnabled,
        managedControlPlane: cluster.isEks,
        scrapeTargets: ingress ? [ingress.metrics] : [],
        timeoutSeconds: timeout,
        admissionWebhooks: config.controlPlaneReachesPods,
      },
      opts,
    )
  : undefined;

const metricsServer = on.metricsServer
  ? new MetricsServer(
      'monitoring-metrics-server',
      {
        chart: config.charts.metricsServer,
        kubeletInsecureTls: !cluster.isEks,
        timeoutSeconds: timeout,
        apiService: config.controlPlaneReachesPods,
      },
      opts,
    )
  : undefined;

const mongodb = new MongoDb(
  'mongodb',
  {
    namespace: required('database'),
    storageClassName,
    storageSize: config.mongodb.storageSize,
    database: config.mongodb.database,
    appUsername: config.mongodb.appUsername,
    appSecret: { namespace: required('app'), ...MONGO_APP_SECRET },
    app: { namespace: required('app'), podLabels: APP_POD_SELECTOR },
    timeoutSeconds: timeout,
  },
  opts,
);

const elastic = on.elasticStack
  ? new ElasticStack(
      'elastic',
      {
        chart: config.charts.eckOperator,
        namespace: required('elastic'),
        operatorNamespace: required('elasticOperator'),
        storageClassName,
        storageSize: config.elasticsearch.storageSize,
        heapMi: config.elasticsearch.heapMi,
        memoryMi: config.elasticsearch.memoryMi,
        kibanaBasePath: PATHS.kibana,
        kibanaPublicUrl: pulumi.interpolate`${baseUrl}${PATHS.kibana}`,
        timeoutSeconds: timeout,
        admissionWebhooks: config.controlPlaneReachesPods,
      },
      opts,
    )
  : undefined;

// The setup prepares what Fluentd writes to (templates, pipeline, ILM, data streams) and publishes the CA into its
// namespace: part of logging. loadConfig allows logging only with the Elastic Stack.
const logPipeline =
  on.logging && elastic
    ? (() => {
        const elasticsearchSetup = new ElasticsearchSetup(
          'elasticsearch-setup',
          {
            namespace: required('elastic'),
            url: elastic.endpoint,
            logRetentionDays: config.elasticsearch.logRetentionDays,
            caNamespace: required('logging'),
          },
          { ...opts, dependsOn: [elastic] },
        );
        const logShipping = new LogShipping(
          'fluentd',
          {
            chart: config.charts.fluentd,
            namespace: required('logging'),
            elasticsearchHost: elastic.endpoint.apply((url) => new URL(url).hostname),
            elasticPassword: elastic.elasticPassword,
            appNamespace: ns.app,
            databaseNamespace: ns.database,
            loggingNamespace: ns.logging,
            // The chart's ServiceMonitor and Grafana dashboard need the monitoring stack.
            dashboardsNamespace: monitoring ? required('monitoring') : undefined,
            serviceMonitor: monitoring !== undefined,
            timeoutSeconds: timeout,
          },
          // The CA Secret the DaemonSet mounts is published by the setup Job.
          { ...opts, dependsOn: monitoring ? [elasticsearchSetup, monitoring] : [elasticsearchSetup] },
        );
        return { elasticsearchSetup, logShipping };
      })()
    : undefined;

const routeList: Route[] = [
  ...(elastic
    ? [
        {
          name: 'kibana',
          namespace: required('elastic'),
          path: PATHS.kibana,
          service: KIBANA_SERVICE,
          port: KIBANA_PORT,
          httpsBackend: true,
        },
      ]
    : []),
  ...(monitoring
    ? [
        {
          name: 'grafana',
          namespace: required('monitoring'),
          path: PATHS.grafana,
          service: GRAFANA_SERVICE,
          port: 80,
        },
      ]
    : []),
];
const routes =
  routeList.length > 0
    ? new Routes(
        'routes',
        { ingressClassName: config.ingressClassName, routes: routeList },
        // ingress-nginx validates Ingresses through its admission webhook, which must be up first.
        { ...opts, dependsOn: ingress ? [ingress] : [] },
      )
    : undefined;

const observability = monitoring
  ? new ObservabilityContent(
      'observability',
      {
        dir: OBSERVABILITY_DIR,
        namespace: required('monitoring'),
        dashboardLabel: GRAFANA_DASHBOARD_LABEL,
        dependsOn: [monitoring],
      },
      opts,
    )
  : undefined;

// Kubernetes, not Pulumi, creates the NLB behind the controller's Service; the marker's hook removes the stack's load
// balancers and, on EKS, waits until AWS has. It depends on every release, object and namespace of the stack, so a
// destroy deletes it first and nothing else in parallel: a failed wait stops the destroy with the stack still whole,
// and the next destroy waits again. Switched-off components are simply absent from the list.
const everything: (pulumi.Resource | undefined)[] = [
  namespaces,
  appDeployers,
  ingress,
  monitoring,
  metricsServer,
  mongodb,
  elastic,
  logPipeline?.elasticsearchSetup,
  logPipeline?.logShipping,
  routes,
  observability,
];
loadBalancerCleanupMarker(destroyTarget, {
  ...opts,
  dependsOn: everything.filter((r): r is pulumi.Resource => r !== undefined),
});

/** The load balancer's address (or publicHost): what the public domain's DNS record points at when TLS is on. */
export const ingressHostname = address;
export const ingressClassName = config.ingressClassName;
export const crmUrl = pulumi.interpolate`${baseUrl}/`;
// null, not undefined, for a component that is off: the engine warns about every undefined stack output, and null
// reads as "not installed" in `pulumi stack output`.
/** null when the Elastic Stack is off. */
export const kibanaUrl = elastic ? pulumi.interpolate`${baseUrl}${PATHS.kibana}` : null;
/** null when monitoring is off. */
export const grafanaUrl = monitoring ? pulumi.interpolate`${baseUrl}${PATHS.grafana}` : null;
export const elasticsearchEndpoint = elastic?.endpoint ?? null;
export const grafanaAdminPassword = monitoring?.grafanaAdminPassword ?? null;
export const appNamespace = required('app');
export const mongoSecretName = mongodb.appSecretName;
export const mongoSecretKey = MONGO_APP_SECRET.key;
export const mongoServiceHost = mongodb.serviceHost;
/**
 * Which platform components this stack installed, for the app layer (no ServiceMonitor without monitoring) and
 * anyone else who must not assume them. A stack older than this output had every component.
 */
export const components = {
  ingressController: config.ingressController,
  monitoring: on.monitoring,
  metricsServer: on.metricsServer,
  elasticStack: on.elasticStack,
  logging: on.logging,
};
