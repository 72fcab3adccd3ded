import { GeneratedSecret } from '@cloudops-crm/generated-secret';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ChartRef } from '../chartSources';
import { elasticsearchResources, sizing } from '../sizing';
import { ELASTIC_STACK_VERSION } from '../versions';
import { pinnedRelease } from './helm';

/** The operator's Helm release name; its CRDs carry it in `meta.helm.sh/release-name`. */
export const ECK_OPERATOR_RELEASE = 'eck-operator';
export const ELASTICSEARCH_NAME = 'elasticsearch';
export const KIBANA_NAME = 'kibana';
/** Services ECK derives from the resource names. */
export const ELASTICSEARCH_SERVICE = `${ELASTICSEARCH_NAME}-es-http`;
export const KIBANA_SERVICE = `${KIBANA_NAME}-kb-http`;
export const KIBANA_PORT = 5601;
/** ECK publishes the HTTP layer's CA (and certificate) in this Secret. */
export const ELASTICSEARCH_CA_SECRET = `${ELASTICSEARCH_NAME}-es-http-certs-public`;
/** basic-auth Secret defining the elastic superuser through ECK's file realm. */
export const ELASTIC_USER_SECRET = 'elasticsearch-elastic-user';

export interface ElasticStackArgs {
  namespace: pulumi.Input<string>;
  /** The operator lives in its own namespace (restricted), away from the data it manages. */
  operatorNamespace: pulumi.Input<string>;
  storageClassName: pulumi.Input<string>;
  storageSize: string;
  heapMi: number;
  memoryMi: number;
  kibanaBasePath: string;
  /** Absolute URL users reach Kibana at, e.g. http://<nlb>/kibana. */
  kibanaPublicUrl: pulumi.Input<string>;
  timeoutSeconds: number;
  /** The operator's validating webhook (see ClusterConfig.controlPlaneReachesPods). */
  admissionWebhooks: boolean;
  /** The eck-operator chart and its source. */
  chart: ChartRef;
}

/** ECK operator plus one Elasticsearch node and one Kibana, both on ECK-issued TLS. */
export class ElasticStack extends pulumi.ComponentResource {
  readonly operator: k8s.helm.v3.Release;
  readonly elasticsearch: k8s.apiextensions.CustomResource;
  readonly kibana: k8s.apiextensions.CustomResource;
  readonly elasticPassword: pulumi.Output<string>;
  readonly elasticUserSecretName: string = ELASTIC_USER_SECRET;
  readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: ElasticStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:ElasticStack', name, {}, opts);

    this.operator = new k8s.helm.v3.Release(
      `${name}-operator`,
      {
        ...pinnedRelease(args.chart, ECK_OPERATOR_RELEASE, args.operatorNamespace, args.timeoutSeconds),
        values: {
          installCRDs: true,
          // Reconcile only the namespace holding the stack (fewer informers, nothing touched elsewhere). Its RBAC
          // stays cluster-wide: with the chart's default createClusterScopedResources the ClusterRole and
          // ClusterRoleBinding remain, as its validating webhook and storage class checks need them.
          managedNamespaces: [args.namespace],
          resources: sizing.eckOperator,
          // The chart sets only runAsNonRoot; restricted Pod Security also wants a seccomp profile.
          podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          // The operator's ServiceMonitor would need the Prometheus CRDs first; its metrics are off.
          serviceMonitor: { enabled: false },
          telemetry: { disabled: true },
          webhook: { enabled: args.admissionWebhooks },
          global: { createOperatorNamespace: false },
        },
      },
      { parent: this },
    );

    // The elastic superuser's password is generated here rather than by ECK, so Fluentd and the setup
    // Job in other namespaces can receive it from Pulumi; ECK reads it through the file realm.
    const password = new GeneratedSecret(`${name}-elastic`, { length: 32 }, { parent: this });
    this.elasticPassword = pulumi.secret(password.value);
    const elasticUser = new k8s.core.v1.Secret(
      `${name}-elastic-user`,
      {
        metadata: {
          name: ELASTIC_USER_SECRET,
          namespace: args.namespace,
          labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        type: 'kubernetes.io/basic-auth',
        stringData: { username: 'elastic', password: this.elasticPassword, roles: 'superuser' },
      },
      { parent: this },
    );

    const volumeClaim = {
      metadata: { name: 'elasticsearch-data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: args.storageClassName,
        resources: { requests: { storage: args.storageSize } },
      },
    };

    // ECK's certificate names <svc>.<ns>.svc and <svc>.<ns> only; clients here use the fully
    // qualified name (the exported endpoint), so it is added as a subject alternative name.
    const serviceFqdn = pulumi.interpolate`${ELASTICSEARCH_SERVICE}.${args.namespace}.svc.cluster.local`;

    this.elasticsearch = new k8s.apiextensions.CustomResource(
      `${name}-elasticsearch`,
      {
        apiVersion: 'elasticsearch.k8s.elastic.co/v1',
        kind: 'Elasticsearch',
        metadata: { name: ELASTICSEARCH_NAME, namespace: args.namespace },
        spec: {
          version: ELASTIC_STACK_VERSION,
          // TLS stays on with ECK's self-signed CA; clients trust it via ELASTICSEARCH_CA_SECRET.
          http: {
            tls: { selfSignedCertificate: { disabled: false, subjectAltNames: [{ dns: serviceFqdn }] } },
          },
          auth: { fileRealm: [{ secretName: ELASTIC_USER_SECRET }] },
          nodeSets: [
            {
              name: 'default',
              count: 1,
              config: {
                'node.roles': ['master', 'data', 'ingest'],
                // Avoids the privileged sysctl init container (vm.max_map_count) restricted PSS forbids.
                'node.store.allow_mmap': false,
              },
              podTemplate: {
                metadata: { labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' } },
                spec: {
                  containers: [
                    {
                      name: 'elasticsearch',
                      env: [{ name: 'ES_JAVA_OPTS', value: `-Xms${args.heapMi}m -Xmx${args.heapMi}m` }],
                      resources: elasticsearchResources(args.memoryMi),
                    },
                  ],
                },
              },
              volumeClaimTemplates: [volumeClaim],
            },
          ],
        },
      },
      { parent: this, dependsOn: [this.operator, elasticUser] },
    );

    this.kibana = new k8s.apiextensions.CustomResource(
      `${name}-kibana`,
      {
        apiVersion: 'kibana.k8s.elastic.co/v1',
        kind: 'Kibana',
        metadata: { name: KIBANA_NAME, namespace: args.namespace },
        spec: {
          version: ELASTIC_STACK_VERSION,
          count: 1,
          elasticsearchRef: { name: ELASTICSEARCH_NAME },
          http: { tls: { selfSignedCertificate: { disabled: false } } },
          config: {
            'server.basePath': args.kibanaBasePath,
            'server.rewriteBasePath': true,
            'server.publicBaseUrl': args.kibanaPublicUrl,
          },
          podTemplate: {
            metadata: { labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' } },
            spec: {
              containers: [
                {
                  name: 'kibana',
                  // Node's heap kept well under the container limit.
                  env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=512' }],
                  resources: sizing.kibana,
                },
              ],
            },
          },
        },
      },
      { parent: this, dependsOn: [this.elasticsearch] },
    );

    this.endpoint = pulumi.interpolate`https://${serviceFqdn}:9200`;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}
