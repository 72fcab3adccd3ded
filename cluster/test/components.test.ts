import { declared, dependenciesOf, named, ofType, urnName } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ClusterRun, EKS_CONFIG, kubernetesObjects, releases, runCluster } from './harness';

const NAMESPACE = 'kubernetes:core/v1:Namespace';
const INGRESS = 'kubernetes:networking.k8s.io/v1:Ingress';
const CONFIG_MAP = 'kubernetes:core/v1:ConfigMap';
const LB_MARKER = 'cloudops-crm-load-balancer-cleanup';

const releaseNames = (run: ClusterRun) =>
  releases(run)
    .map((r) => r.inputs.name as string)
    .sort();
const namespaceNames = (run: ClusterRun) =>
  ofType(declared(run.resources), NAMESPACE)
    .map((r) => r.inputs.metadata.name as string)
    .sort();
const kinds = (run: ClusterRun) => new Set(kubernetesObjects(run).map((r) => r.inputs.kind as string));
const routeNames = (run: ClusterRun) =>
  ofType(declared(run.resources), INGRESS)
    .map((r) => r.inputs.metadata.name as string)
    .sort();
const componentTypes = (run: ClusterRun) =>
  new Set(run.resources.filter((r) => r.type.startsWith('cloudops-crm:')).map((r) => r.type));

/** Every object of the stack is deleted before the load balancer marker: nothing a switch removed is left dangling. */
function expectMarkerCoversEverything(run: ClusterRun) {
  const marker = named(run.resources, CONFIG_MAP, LB_MARKER);
  const first = dependenciesOf(run.resources, marker.urn);
  const owned = declared(run.resources).filter(
    (r) =>
      r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:providers:') && r.urn !== marker.urn,
  );
  for (const resource of owned) {
    expect(first.has(resource.urn ?? ''), `${resource.type} ${resource.name}`).toBe(true);
  }
}

describe('every component on (the default)', () => {
  let run: ClusterRun;
  beforeAll(async () => {
    run = await runCluster(EKS_CONFIG);
  });

  it('reports every component in the components output', () => {
    expect(run.outputs.components).toEqual({
      ingressController: 'ingress-nginx',
      monitoring: true,
      metricsServer: true,
      elasticStack: true,
      logging: true,
    });
  });

  it('keeps metrics-server’s release where Monitoring declared it, through an alias', () => {
    const r = named(run.resources, 'kubernetes:helm.sh/v3:Release', 'monitoring-metrics-server');
    expect(r.inputs.namespace).toBe('kube-system');
    expect(urnName(r.options.parent)).toBe('monitoring-metrics-server');
    expect(r.options.parent).toContain('cloudops-crm:cluster:MetricsServer');
  });
});

describe('monitoringEnabled false', () => {
  let run: ClusterRun;
  beforeAll(async () => {
    run = await runCluster({ ...EKS_CONFIG, monitoringEnabled: 'false' });
  });

  it('installs no kube-prometheus-stack and no object of its CRDs, but keeps metrics-server', () => {
    expect(releaseNames(run)).toEqual([
      'eck-operator',
      'fluentd',
      'ingress-nginx',
      'metrics-server',
      'mongodb',
    ]);
    expect(kinds(run).has('ServiceMonitor')).toBe(false);
    expect(kinds(run).has('PrometheusRule')).toBe(false);
    expect(componentTypes(run).has('cloudops-crm:cluster:Monitoring')).toBe(false);
    expect(componentTypes(run).has('cloudops-crm:cluster:ObservabilityContent')).toBe(false);
    // No Grafana dashboards either: they are ConfigMaps for a Grafana that is not there.
    expect(
      kubernetesObjects(run).filter((r) => r.inputs.metadata?.labels?.grafana_dashboard !== undefined),
    ).toEqual([]);
  });

  it('has Fluentd create neither its ServiceMonitor nor its dashboard', () => {
    const fluentd = releases(run).find((r) => r.inputs.name === 'fluentd')!;
    expect(fluentd.inputs.values.metrics.serviceMonitor.enabled).toBe(false);
    // A boolean: the chart tests the value's truth, and the string 'false' is true.
    expect(fluentd.inputs.values.dashboards).toEqual({ enabled: false });
    // It waits for the setup Job (the CA Secret), no longer for a monitoring stack.
    const waitsFor = named(run.resources, 'cloudops-crm:cluster:LogShipping', 'fluentd').options.dependsOn;
    expect(waitsFor.map(urnName)).toContain('elasticsearch-setup-apply');
    expect(waitsFor.filter((urn) => urn.includes('Monitoring'))).toEqual([]);
  });

  it('routes Kibana only, creates no monitoring namespace and exports no Grafana', () => {
    expect(routeNames(run)).toEqual(['kibana']);
    expect(namespaceNames(run)).not.toContain('monitoring');
    expect(run.outputs.grafanaUrl).toBeNull();
    expect(run.outputs.grafanaAdminPassword).toBeNull();
    expect(run.outputs.components).toMatchObject({ monitoring: false, metricsServer: true });
    expectMarkerCoversEverything(run);
  });
});

describe('metricsServerEnabled false', () => {
  it('installs no metrics-server and keeps monitoring', async () => {
    const run = await runCluster({ ...EKS_CONFIG, metricsServerEnabled: 'false' });
    expect(releaseNames(run)).toEqual([
      'eck-operator',
      'fluentd',
      'ingress-nginx',
      'kube-prometheus-stack',
      'mongodb',
    ]);
    expect(componentTypes(run).has('cloudops-crm:cluster:MetricsServer')).toBe(false);
    expect(run.outputs.components).toMatchObject({ monitoring: true, metricsServer: false });
  });
});

describe('elasticStackEnabled false', () => {
  let run: ClusterRun;
  beforeAll(async () => {
    run = await runCluster({ ...EKS_CONFIG, elasticStackEnabled: 'false' });
  });

  it('installs neither ECK nor Fluentd, and none of their objects or namespaces', () => {
    expect(releaseNames(run)).toEqual([
      'ingress-nginx',
      'kube-prometheus-stack',
      'metrics-server',
      'mongodb',
    ]);
    for (const kind of ['Elasticsearch', 'Kibana', 'Job', 'CronJob'])
      expect(kinds(run).has(kind), kind).toBe(false);
    expect(namespaceNames(run)).toEqual(['crm', 'database', 'ingress-nginx', 'monitoring']);
    expect(routeNames(run)).toEqual(['grafana']);
    expect(run.outputs.kibanaUrl).toBeNull();
    expect(run.outputs.elasticsearchEndpoint).toBeNull();
    expect(run.outputs.components).toMatchObject({ elasticStack: false, logging: false });
    expectMarkerCoversEverything(run);
  });
});

describe('loggingEnabled false', () => {
  it('keeps Elasticsearch and Kibana but installs no Fluentd and no log setup Job', async () => {
    const run = await runCluster({ ...EKS_CONFIG, loggingEnabled: 'false' });
    expect(releaseNames(run)).toEqual([
      'eck-operator',
      'ingress-nginx',
      'kube-prometheus-stack',
      'metrics-server',
      'mongodb',
    ]);
    expect(kinds(run).has('Elasticsearch')).toBe(true);
    expect(kinds(run).has('Job')).toBe(false);
    expect(namespaceNames(run)).not.toContain('logging');
    expect(routeNames(run)).toEqual(['grafana', 'kibana']);
    expect(run.outputs.components).toMatchObject({ elasticStack: true, logging: false });
  });
});

describe('ingressController existing, everything upstream off (what the repository alone can install)', () => {
  let run: ClusterRun;
  beforeAll(async () => {
    run = await runCluster({
      ...EKS_CONFIG,
      ingressController: 'existing',
      ingressClassName: 'traefik',
      publicHost: 'crm.example.test:8080',
      monitoringEnabled: 'false',
      metricsServerEnabled: 'false',
      elasticStackEnabled: 'false',
    });
  });

  it('installs only the repository’s own MongoDB chart', () => {
    expect(releaseNames(run)).toEqual(['mongodb']);
    for (const r of releases(run)) expect(r.inputs.repositoryOpts).toBeUndefined();
  });

  it('creates no IngressClass, no routes and no ingress namespace, and reads no load balancer', () => {
    expect(kinds(run).has('IngressClass')).toBe(false);
    expect(componentTypes(run).has('cloudops-crm:cluster:Routes')).toBe(false);
    expect(routeNames(run)).toEqual([]);
    expect(namespaceNames(run)).toEqual(['crm', 'database']);
    expect(
      run.resources.filter((r) => r.id !== undefined && r.type === 'kubernetes:core/v1:Service'),
    ).toEqual([]);
  });

  it('hands the configured class and host to the app layer', () => {
    expect(run.outputs.ingressClassName).toBe('traefik');
    expect(run.outputs.ingressHostname).toBe('crm.example.test:8080');
    expect(run.outputs.crmUrl).toBe('http://crm.example.test:8080/');
    expect(run.outputs.components).toEqual({
      ingressController: 'existing',
      monitoring: false,
      metricsServer: false,
      elasticStack: false,
      logging: false,
    });
  });

  it('still deletes the load balancer marker first, over what remains', () => {
    expectMarkerCoversEverything(run);
  });
});

describe('ingressController existing with every component on', () => {
  it('routes Kibana and Grafana with the configured class and scrapes no ingress controller', async () => {
    const run = await runCluster({
      ...EKS_CONFIG,
      ingressController: 'existing',
      ingressClassName: 'alb',
      publicHost: 'crm.example.com',
    });
    const ingresses = ofType(declared(run.resources), INGRESS);
    expect(ingresses.map((r) => r.inputs.spec.ingressClassName)).toEqual(['alb', 'alb']);
    const monitors = kubernetesObjects(run).filter((r) => r.inputs.kind === 'ServiceMonitor');
    expect(monitors.map((r) => r.inputs.metadata.name)).toEqual([]);
    expect(releaseNames(run)).not.toContain('ingress-nginx');
  });
});

describe('controlPlaneReachesPods', () => {
  const LOCAL = {
    kubeContext: 'kwok-live',
    storageClassName: 'standard',
    ingressServiceType: 'NodePort',
    publicHost: 'crm.test',
  };
  /** What each chart is told about its webhook or aggregated API, by release name. */
  const hooksOf = (run: ClusterRun) => {
    const values = (name: string) => releases(run).find((r) => r.inputs.name === name)?.inputs.values;
    return {
      ingressNginx: values('ingress-nginx')?.controller?.admissionWebhooks?.enabled,
      prometheusOperator: values('kube-prometheus-stack')?.prometheusOperator?.admissionWebhooks?.enabled,
      eckOperator: values('eck-operator')?.webhook?.enabled,
      metricsServer: values('metrics-server')?.apiService?.create,
    };
  };

  it('installs every webhook and the metrics API by default, on EKS and on a local cluster', async () => {
    const all = { ingressNginx: true, prometheusOperator: true, eckOperator: true, metricsServer: true };
    expect(hooksOf(await runCluster(EKS_CONFIG))).toEqual(all);
    expect(hooksOf(await runCluster(LOCAL))).toEqual(all);
  });

  it('false (a simulated cluster): no chart installs a webhook or the metrics API', async () => {
    const run = await runCluster({ ...LOCAL, controlPlaneReachesPods: 'false' });
    expect(hooksOf(run)).toEqual({
      ingressNginx: false,
      prometheusOperator: false,
      eckOperator: false,
      metricsServer: false,
    });
  });
});
