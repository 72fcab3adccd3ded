import * as pulumi from '@pulumi/pulumi';
import { AppDeployers } from './components/appDeployers';
import { loadBalancerCleanupMarker, volumeReleaseMarker } from './components/destroyMarkers';
import { ElasticStack, KIBANA_PORT, KIBANA_SERVICE } from './components/elasticStack';
import { ElasticsearchSetup } from './components/elasticsearchSetup';
import { IngressController, loadBalancerAddress } from './components/ingressController';
import { LogShipping } from './components/logShipping';
import { MongoDb } from './components/mongodb';
import { GRAFANA_DASHBOARD_LABEL, GRAFANA_SERVICE, Monitoring } from './components/monitoring';
import { PlatformNamespaces } from './components/namespaces';
import { Routes } from './components/routes';
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
// Everything in the cluster this stack answers for: the destroy cleanups act in these namespaces only.
const ownedNamespaces = Object.values(ns);
const destroyTarget = cluster.eks && { ...cluster.eks, namespaces: ownedNamespaces };

// EBS volumes outlive their claims until the CSI driver has deleted them; the namespaces depend on this
// marker so that a destroy waits for that after the namespaces (and their claims) are gone, before the infra
// stack may remove the nodes and the driver.
const volumeMarker = destroyTarget ? volumeReleaseMarker(destroyTarget, opts) : undefined;

const namespaces = new PlatformNamespaces(
  'ns',
  {
    namespaces: {
      app: { name: ns.app, podSecurity: 'restricted', purpose: 'CRM API (deployed by the app layer)' },
      ingress: { name: ns.ingress, podSecurity: 'restricted', purpose: 'ingress controller behind the NLB' },
      database: { name: ns.database, podSecurity: 'restricted', purpose: 'MongoDB' },
      elastic: { name: ns.elastic, podSecurity: 'restricted', purpose: 'Elasticsearch and Kibana' },
      elasticOperator: { name: ns.elasticOperator, podSecurity: 'restricted', purpose: 'ECK operator' },
      // Fluentd reads container logs from host paths, which only the privileged level allows.
      logging: { name: ns.logging, podSecurity: 'privileged', purpose: 'Fluentd log shipping' },
      monitoring: { name: ns.monitoring, podSecurity: 'restricted', purpose: 'Prometheus and Grafana' },
    },
  },
  { ...opts, dependsOn: volumeMarker ? [volumeMarker] : [] },
);
const names = namespaces.names;

const appDeployers = new AppDeployers('app-deployers', { namespace: names.app }, opts);

const ingress = new IngressController(
  'ingress',
  {
    kind: config.ingressController,
    namespace: names.ingress,
    serviceType: config.ingressServiceType,
    awsNlb: cluster.isEks,
    tls: cluster.eks?.publicTls,
    timeoutSeconds: timeout,
  },
  opts,
);
// NodePort has no address to read; config then names the host (checked in config.ts).
const address = config.publicHost
  ? pulumi.output(config.publicHost)
  : loadBalancerAddress('ingress-lb', ingress.serviceId, { ...opts, dependsOn: [ingress] });
// With TLS every URL names the certificate's domain over https (the NLB address would fail the certificate check);
// without it, http:// and the address as before. Port 80 then only redirects, so no http URL is handed out.
const tls = cluster.eks?.publicTls ?? pulumi.output(undefined);
const baseUrl = pulumi
  .all([tls, address])
  .apply(([publicTls, host]) => (publicTls ? `https://${publicTls.domain}` : `http://${host}`));

const monitoring = new Monitoring(
  'monitoring',
  {
    namespace: names.monitoring,
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
    kubeletInsecureTls: !cluster.isEks,
    scrapeTargets: [ingress.metrics],
    timeoutSeconds: timeout,
  },
  opts,
);

const mongodb = new MongoDb(
  'mongodb',
  {
    namespace: names.database,
    storageClassName,
    storageSize: config.mongodb.storageSize,
    database: config.mongodb.database,
    appUsername: config.mongodb.appUsername,
    appSecret: { namespace: names.app, ...MONGO_APP_SECRET },
    app: { namespace: names.app, podLabels: APP_POD_SELECTOR },
    timeoutSeconds: timeout,
  },
  opts,
);

const elastic = new ElasticStack(
  'elastic',
  {
    namespace: names.elastic,
    operatorNamespace: names.elasticOperator,
    storageClassName,
    storageSize: config.elasticsearch.storageSize,
    heapMi: config.elasticsearch.heapMi,
    memoryMi: config.elasticsearch.memoryMi,
    kibanaBasePath: PATHS.kibana,
    kibanaPublicUrl: pulumi.interpolate`${baseUrl}${PATHS.kibana}`,
    timeoutSeconds: timeout,
  },
  opts,
);

const elasticsearchSetup = new ElasticsearchSetup(
  'elasticsearch-setup',
  {
    namespace: names.elastic,
    url: elastic.endpoint,
    logRetentionDays: config.elasticsearch.logRetentionDays,
    caNamespace: names.logging,
  },
  { ...opts, dependsOn: [elastic] },
);

const logShipping = new LogShipping(
  'fluentd',
  {
    namespace: names.logging,
    elasticsearchHost: elastic.endpoint.apply((url) => new URL(url).hostname),
    elasticPassword: elastic.elasticPassword,
    appNamespace: ns.app,
    databaseNamespace: ns.database,
    loggingNamespace: ns.logging,
    dashboardsNamespace: names.monitoring,
    serviceMonitor: true,
    timeoutSeconds: timeout,
  },
  // The CA Secret the DaemonSet mounts is published by the setup Job.
  { ...opts, dependsOn: [elasticsearchSetup, monitoring] },
);

const routes = new Routes(
  'routes',
  {
    ingressClassName: ingress.ingressClassName,
    routes: [
      {
        name: 'kibana',
        namespace: names.elastic,
        path: PATHS.kibana,
        service: KIBANA_SERVICE,
        port: KIBANA_PORT,
        httpsBackend: true,
      },
      {
        name: 'grafana',
        namespace: names.monitoring,
        path: PATHS.grafana,
        service: GRAFANA_SERVICE,
        port: 80,
      },
    ],
  },
  // ingress-nginx validates Ingresses through its admission webhook, which must be up first.
  { ...opts, dependsOn: [ingress] },
);

const observability = new ObservabilityContent(
  'observability',
  {
    dir: OBSERVABILITY_DIR,
    namespace: names.monitoring,
    dashboardLabel: GRAFANA_DASHBOARD_LABEL,
    dependsOn: [monitoring],
  },
  opts,
);

// Kubernetes, not Pulumi, creates the NLB behind the controller's Service; the marker's hook removes the stack's load
// balancers and waits until AWS has. It depends on every release, object and namespace of the stack, so a destroy
// deletes it first and nothing else in parallel: a failed wait stops the destroy with the stack still whole, and
// the next destroy waits again.
if (destroyTarget) {
  loadBalancerCleanupMarker(destroyTarget, {
    ...opts,
    dependsOn: [
      namespaces,
      appDeployers,
      ingress,
      monitoring,
      mongodb,
      elastic,
      elasticsearchSetup,
      logShipping,
      routes,
      observability,
    ],
  });
}

/** The load balancer's address (or publicHost): what the public domain's DNS record points at when TLS is on. */
export const ingressHostname = address;
export const ingressClassName = ingress.ingressClassName;
export const crmUrl = pulumi.interpolate`${baseUrl}/`;
export const kibanaUrl = pulumi.interpolate`${baseUrl}${PATHS.kibana}`;
export const grafanaUrl = pulumi.interpolate`${baseUrl}${PATHS.grafana}`;
export const elasticsearchEndpoint = elastic.endpoint;
export const grafanaAdminPassword = monitoring.grafanaAdminPassword;
export const appNamespace = names.app;
export const mongoSecretName = mongodb.appSecretName;
export const mongoSecretKey = MONGO_APP_SECRET.key;
export const mongoServiceHost = mongodb.serviceHost;
