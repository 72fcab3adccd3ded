import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from '@cloudops-crm/pulumi-testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { esObjects, PUBLISHED_CA_SECRET, setupFiles } from '../components/elasticsearchSetup';
import { FLUENTD_CONFIG_FILES } from '../components/logShipping';
import {
  type ClusterRun,
  customResource,
  EKS_CONFIG,
  EXPORT_NAMES,
  kubernetesObjects,
  NLB_HOSTNAME,
  release,
  runCluster,
} from './harness';

let run: ClusterRun;
beforeAll(async () => {
  run = await runCluster({ ...EKS_CONFIG, logRetentionDays: '14' });
});

const ingress = (name: string) =>
  kubernetesObjects(run).find((r) => r.inputs.kind === 'Ingress' && r.inputs.metadata.name === name);

describe('sub-paths on the one load balancer', () => {
  it('serves Kibana under /kibana with basePath, rewriteBasePath and publicBaseUrl', () => {
    const kibana = customResource(run, 'Kibana', 'kibana');
    expect(kibana.inputs.spec.config).toEqual({
      'server.basePath': '/kibana',
      'server.rewriteBasePath': true,
      'server.publicBaseUrl': `http://${NLB_HOSTNAME}/kibana`,
    });
  });

  it('serves Grafana under /grafana with root_url and serve_from_sub_path', () => {
    const grafana = release(run, 'kube-prometheus-stack').inputs.values.grafana;
    expect(grafana['grafana.ini'].server).toEqual({
      root_url: `http://${NLB_HOSTNAME}/grafana/`,
      serve_from_sub_path: true,
    });
  });

  it('routes /kibana and /grafana through the nginx class, leaving / to the app layer', () => {
    const kibana = ingress('kibana');
    expect(kibana?.inputs.metadata.namespace).toBe('elastic');
    expect(kibana?.inputs.spec.ingressClassName).toBe('nginx');
    expect(kibana?.inputs.spec.rules[0].http.paths[0]).toEqual({
      path: '/kibana',
      pathType: 'Prefix',
      backend: { service: { name: 'kibana-kb-http', port: { number: 5601 } } },
    });
    // Kibana keeps ECK's TLS; the controller must talk HTTPS to it.
    expect(kibana?.inputs.metadata.annotations['nginx.ingress.kubernetes.io/backend-protocol']).toBe('HTTPS');
    // ECK's self-signed certificate: encrypted, deliberately unverified, for either controller.
    expect(kibana?.inputs.metadata.annotations['nginx.ingress.kubernetes.io/proxy-ssl-verify']).toBe('off');

    const grafana = ingress('grafana');
    expect(grafana?.inputs.metadata.namespace).toBe('monitoring');
    expect(grafana?.inputs.spec.ingressClassName).toBe('nginx');
    expect(grafana?.inputs.spec.rules[0].http.paths[0]).toEqual({
      path: '/grafana',
      pathType: 'Prefix',
      backend: { service: { name: 'kube-prometheus-stack-grafana', port: { number: 80 } } },
    });

    const all = kubernetesObjects(run).filter((r) => r.inputs.kind === 'Ingress');
    const paths = all.flatMap((i) =>
      i.inputs.spec.rules.flatMap((rule: Json) => rule.http.paths.map((p: Json) => p.path)),
    );
    expect(paths.sort()).toEqual(['/grafana', '/kibana']);
  });

  it('exports exactly the outputs of the contract', () => {
    expect(Object.keys(run.exports).sort()).toEqual([...EXPORT_NAMES].sort());
  });

  it('exports the URLs and hostname the app layer and people use', () => {
    expect(run.outputs.ingressHostname).toBe(NLB_HOSTNAME);
    expect(run.outputs.crmUrl).toBe(`http://${NLB_HOSTNAME}/`);
    expect(run.outputs.kibanaUrl).toBe(`http://${NLB_HOSTNAME}/kibana`);
    expect(run.outputs.grafanaUrl).toBe(`http://${NLB_HOSTNAME}/grafana`);
    expect(run.outputs.ingressClassName).toBe('nginx');
    expect(run.outputs.elasticsearchEndpoint).toBe(
      'https://elasticsearch-es-http.elastic.svc.cluster.local:9200',
    );
    expect(run.outputs.appNamespace).toBe('crm');
    expect(run.outputs.mongoSecretName).toBe('crm-mongodb-app');
    expect(run.outputs.mongoSecretKey).toBe('uri');
    expect(run.outputs.mongoServiceHost).toBe('mongodb.database.svc.cluster.local');
  });
});

describe('storage: gp3 from the infra stack, sizes from config', () => {
  it('gives MongoDB a 5Gi gp3 volume', () => {
    expect(release(run, 'mongodb').inputs.values.persistence).toEqual({
      storageClassName: 'gp3',
      size: '5Gi',
    });
  });

  it('gives Elasticsearch a 5Gi gp3 volume', () => {
    const es = customResource(run, 'Elasticsearch', 'elasticsearch');
    expect(es.inputs.spec.nodeSets[0].volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'elasticsearch-data' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'gp3',
          resources: { requests: { storage: '5Gi' } },
        },
      },
    ]);
  });

  it('keeps Prometheus on gp3 with time and size retention', () => {
    const spec = release(run, 'kube-prometheus-stack').inputs.values.prometheus.prometheusSpec;
    expect(spec.retention).toBe('7d');
    expect(spec.retentionSize).toBe('4GB');
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({
      storageClassName: 'gp3',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
    });
  });

  it('keeps Grafana on a gp3 volume, recreated rather than rolled', () => {
    const grafana = release(run, 'kube-prometheus-stack').inputs.values.grafana;
    expect(grafana.persistence).toMatchObject({ enabled: true, storageClassName: 'gp3', size: '5Gi' });
    expect(grafana.deploymentStrategy).toEqual({ type: 'Recreate' });
  });

  it('sizes the Elasticsearch heap for a t3a.medium node: half of a guaranteed memory slice', () => {
    const container = customResource(run, 'Elasticsearch', 'elasticsearch').inputs.spec.nodeSets[0]
      .podTemplate.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'ES_JAVA_OPTS', value: '-Xms768m -Xmx768m' });
    expect(container.resources.requests.memory).toBe('1536Mi');
    expect(container.resources.limits.memory).toBe('1536Mi');
  });
});

describe('TLS to Elasticsearch', () => {
  it('keeps ECK certificates on for Elasticsearch and Kibana', () => {
    expect(customResource(run, 'Elasticsearch', 'elasticsearch').inputs.spec.http.tls).toEqual({
      selfSignedCertificate: {
        disabled: false,
        subjectAltNames: [{ dns: 'elasticsearch-es-http.elastic.svc.cluster.local' }],
      },
    });
    expect(customResource(run, 'Kibana', 'kibana').inputs.spec.http.tls).toEqual({
      selfSignedCertificate: { disabled: false },
    });
  });

  it('has Fluentd verify the ECK CA over https', () => {
    const values = release(run, 'fluentd').inputs.values;
    const output = values.fileConfigs['04_outputs.conf'];
    expect(output).toMatch(/^\s*scheme https$/m);
    expect(output).toMatch(/^\s*ssl_verify true$/m);
    expect(output).toMatch(/^\s*ca_file \/etc\/elasticsearch-ca\/ca\.crt$/m);
    expect(values.volumes).toContainEqual({
      name: 'elasticsearch-ca',
      secret: { secretName: PUBLISHED_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
    });
    expect(values.volumeMounts).toContainEqual({
      name: 'elasticsearch-ca',
      mountPath: '/etc/elasticsearch-ca',
      readOnly: true,
    });
    expect(values.env).toContainEqual({
      name: 'ELASTICSEARCH_HOST',
      value: 'elasticsearch-es-http.elastic.svc.cluster.local',
    });
  });

  it('connects Fluentd and the setup Job to a name the ECK certificate covers', () => {
    // ECK names <service>.<namespace>.svc and <service>.<namespace> (pkg/utils/k8s GetServiceDNSName),
    // plus the subject alternative names of the Elasticsearch resource.
    const es = customResource(run, 'Elasticsearch', 'elasticsearch').inputs;
    const certified = [
      `elasticsearch-es-http.${es.metadata.namespace}.svc`,
      `elasticsearch-es-http.${es.metadata.namespace}`,
      ...es.spec.http.tls.selfSignedCertificate.subjectAltNames.map((san: Json) => san.dns),
    ];
    const fluentdHost = release(run, 'fluentd').inputs.values.env.find(
      (e: Json) => e.name === 'ELASTICSEARCH_HOST',
    ).value;
    expect(certified).toContain(fluentdHost);
    const job = kubernetesObjects(run).find((r) => r.inputs.kind === 'Job');
    const url = job?.inputs.spec.template.spec.containers[0].env.find((e: Json) => e.name === 'ES_URL').value;
    expect(certified).toContain(new URL(url).hostname);
    expect(certified).toContain(new URL(run.outputs.elasticsearchEndpoint).hostname);
  });

  it('sends the elastic user credentials from a Secret, not from values', () => {
    const values = release(run, 'fluentd').inputs.values;
    expect(values.env).toContainEqual({
      name: 'ELASTICSEARCH_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'fluentd-elasticsearch', key: 'password' } },
    });
    const secret = kubernetesObjects(run).find((r) => r.inputs.metadata?.name === 'fluentd-elasticsearch');
    expect(secret?.inputs.metadata.namespace).toBe('logging');
    expect(secret?.inputs.stringData.username).toBe('elastic');
    const esUser = kubernetesObjects(run).find(
      (r) => r.inputs.metadata?.name === 'elasticsearch-elastic-user',
    );
    expect(esUser?.inputs.type).toBe('kubernetes.io/basic-auth');
    expect(esUser?.inputs.stringData).toMatchObject({ username: 'elastic', roles: 'superuser' });
    expect(secret?.inputs.stringData.password).toBe(esUser?.inputs.stringData.password);
    expect(customResource(run, 'Elasticsearch', 'elasticsearch').inputs.spec.auth).toEqual({
      fileRealm: [{ secretName: 'elasticsearch-elastic-user' }],
    });
  });
});

describe('log indices and ECS fields', () => {
  const fileConfigs = () => release(run, 'fluentd').inputs.values.fileConfigs as Record<string, string>;
  /** The body of one <label> block of the dispatch file. */
  const labelBlock = (label: string) =>
    (fileConfigs()['03_dispatch.conf'] ?? '').split(`<label ${label}>`)[1]?.split('</label>')[0] ?? '';

  it('replaces exactly the chart default Fluentd configuration keys', () => {
    expect(Object.keys(fileConfigs()).sort()).toEqual([...FLUENTD_CONFIG_FILES].sort());
    for (const content of Object.values(fileConfigs())) expect(content).not.toMatch(/\{\{[A-Z_]+\}\}/);
  });

  it('routes the app namespace to logs-crm, the database to logs-mongodb, the rest to logs-system', () => {
    const routing = fileConfigs()['02_filters.conf'];
    expect(routing).toContain('<match kubernetes.var.log.containers.*_crm_*.log>');
    expect(routing).toContain('<match kubernetes.var.log.containers.*_database_*.log>');
    expect(labelBlock('@CRM')).toMatch(/_index_name logs-crm$/m);
    expect(labelBlock('@MONGODB')).toMatch(/_index_name logs-mongodb$/m);
    expect(labelBlock('@SYSTEM')).toMatch(/_index_name logs-system$/m);
    expect(fileConfigs()['04_outputs.conf']).toMatch(/^\s*target_index_key _index_name$/m);
  });

  it('sets service.name, service.type and event.dataset for every source', () => {
    const dispatch = fileConfigs()['03_dispatch.conf'] ?? '';
    for (const label of ['@CRM', '@MONGODB', '@SYSTEM']) {
      const block = labelBlock(label);
      expect(block, label).toMatch(/^\s*service \$\{.*"name" =>.*"type" =>.*\}$/m);
      expect(block, label).toMatch(/^\s*event \$\{.*"dataset" =>.*\}$/m);
    }
    expect(dispatch).toContain('"type" => "database"');
    expect(dispatch).toContain('"dataset" => "mongodb.log"');
    // The API sets event.dataset itself (crm-app); lines without one get the same value, not a second dataset.
    expect(dispatch).toContain('(record["event.dataset"] || "crm-app")');
    expect(dispatch).toContain('"type" => "infrastructure"');
  });

  it("parses the app's JSON lines and keeps their @timestamp", () => {
    const crm = labelBlock('@CRM');
    expect(crm).toMatch(/@type parser[\s\S]*key_name message[\s\S]*reserve_data true/);
    expect(crm).toMatch(/@type json[\s\S]*time_key @timestamp[\s\S]*keep_time_key true/);
    const output = fileConfigs()['04_outputs.conf'];
    expect(output).toMatch(/^\s*include_timestamp true$/m);
    expect(output).toMatch(/^\s*write_operation create$/m);
  });

  it('applies index template, ECS mappings, pipeline and ILM that match the Fluentd streams', () => {
    const files = setupFiles(14);
    const template = JSON.parse(files['index-template-logs.json']!);
    expect(template.index_patterns).toEqual([...esObjects.dataStreams]);
    expect(template.data_stream).toEqual({});
    expect(template.composed_of).toEqual([esObjects.componentTemplate]);
    expect(template.template.settings['index.lifecycle.name']).toBe(esObjects.ilmPolicy);
    expect(template.template.settings['index.default_pipeline']).toBe(esObjects.ingestPipeline);
    // One node: replicas would leave every index yellow.
    expect(template.template.settings['index.number_of_replicas']).toBe(0);

    const mappings = JSON.parse(files['component-template-ecs-mappings.json']!).template.mappings.properties;
    expect(mappings['@timestamp'].type).toMatch(/^date/);
    expect(mappings.service.properties.name.type).toBe('keyword');
    expect(mappings.service.properties.type.type).toBe('keyword');
    expect(mappings.event.properties.dataset.type).toBe('keyword');
    expect(mappings.message.type).toBe('match_only_text');

    const pipeline = JSON.parse(files['ingest-pipeline.json']!);
    const keepsTimestamp = pipeline.processors.find((p: Json) => p.set?.field === '@timestamp');
    expect(keepsTimestamp.set.override).toBe(false);

    const ilm = JSON.parse(files['ilm-policy.json']!);
    expect(ilm.policy.phases.delete.min_age).toBe('14d');
    expect(ilm.policy.phases.hot.actions.rollover).toBeDefined();
  });

  it('runs the setup Job with those files and names, rerun when a file changes', () => {
    const configMap = kubernetesObjects(run).find(
      (r) => r.inputs.kind === 'ConfigMap' && r.inputs.metadata.name === 'elasticsearch-setup',
    );
    expect(configMap?.inputs.data).toEqual(setupFiles(14));
    const job = kubernetesObjects(run).find((r) => r.inputs.kind === 'Job');
    const container = job?.inputs.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      ES_URL: 'https://elasticsearch-es-http.elastic.svc.cluster.local:9200',
      ILM_POLICY: esObjects.ilmPolicy,
      INGEST_PIPELINE: esObjects.ingestPipeline,
      COMPONENT_TEMPLATE: esObjects.componentTemplate,
      INDEX_TEMPLATE: esObjects.indexTemplate,
      DATA_STREAMS: 'logs-crm logs-mongodb logs-system',
      CA_NAMESPACE: 'logging',
    });
    expect(job?.inputs.spec.template.metadata.annotations['cloudops-crm/files-sha256']).toMatch(
      /^[0-9a-f]{16}$/,
    );
    const script = fs.readFileSync(path.join(__dirname, '..', 'elasticsearch', 'setup.sh'), 'utf8');
    for (const file of Object.keys(setupFiles(14)).filter((f) => f.endsWith('.json'))) {
      expect(script).toContain(file);
    }
  });
});

describe('ServiceMonitor and rule selection', () => {
  it('selects ServiceMonitors, PodMonitors and rules in every namespace without a release label', () => {
    const spec = release(run, 'kube-prometheus-stack').inputs.values.prometheus.prometheusSpec;
    for (const kind of ['serviceMonitor', 'podMonitor', 'rule', 'probe', 'scrapeConfig']) {
      expect(spec[`${kind}SelectorNilUsesHelmValues`], kind).toBe(false);
      expect(spec[`${kind}Selector`], kind).toEqual({});
      expect(spec[`${kind}NamespaceSelector`], kind).toEqual({});
    }
  });

  it('loads dashboards from ConfigMaps labelled grafana_dashboard in any namespace', () => {
    const sidecar = release(run, 'kube-prometheus-stack').inputs.values.grafana.sidecar.dashboards;
    expect(sidecar).toEqual({
      enabled: true,
      label: 'grafana_dashboard',
      labelValue: '1',
      searchNamespace: 'ALL',
    });
  });

  it('generates the Grafana admin password into a Secret read through admin.existingSecret', () => {
    const grafana = release(run, 'kube-prometheus-stack').inputs.values.grafana;
    expect(grafana.admin).toEqual({
      existingSecret: 'grafana-admin',
      userKey: 'admin-user',
      passwordKey: 'admin-password',
    });
    expect(grafana.adminPassword).toBeUndefined();
  });

  it('scrapes the ingress controller and Fluentd', () => {
    const monitor = kubernetesObjects(run).find((r) => r.inputs.kind === 'ServiceMonitor');
    expect(monitor?.inputs.metadata.namespace).toBe('ingress-nginx');
    expect(monitor?.inputs.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'ingress-nginx',
      'app.kubernetes.io/component': 'controller',
    });
    expect(release(run, 'ingress-nginx').inputs.values.controller.metrics.enabled).toBe(true);
    expect(release(run, 'fluentd').inputs.values.metrics.serviceMonitor.enabled).toBe(true);
  });

  it('keeps Alertmanager off unless configured, and skips control-plane targets EKS hides', () => {
    const values = release(run, 'kube-prometheus-stack').inputs.values;
    expect(values.alertmanager.enabled).toBe(false);
    // Grafana gets no datasource for the Alertmanager that is not there.
    expect(values.grafana.sidecar.datasources.alertmanager.enabled).toBe(false);
    for (const target of ['kubeControllerManager', 'kubeScheduler', 'kubeEtcd', 'kubeProxy']) {
      expect(values[target].enabled, target).toBe(false);
    }
  });
});
