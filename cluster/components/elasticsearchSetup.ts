import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { sizing } from '../sizing';
import { images } from '../versions';
import { ELASTIC_USER_SECRET, ELASTICSEARCH_CA_SECRET } from './elasticStack';

export const ELASTICSEARCH_FILES_DIR = path.join(__dirname, '..', 'elasticsearch');

/** Names of what the setup applies; the JSON files refer to each other by these names. */
export const esObjects = {
  ilmPolicy: 'crm-logs-retention',
  ingestPipeline: 'crm-logs-ecs',
  componentTemplate: 'crm-logs-ecs-mappings',
  indexTemplate: 'crm-logs',
  dataStreams: ['logs-crm', 'logs-mongodb', 'logs-system'],
} as const;

/** Secret (in the log shipper's namespace) the setup publishes the Elasticsearch CA into. */
export const PUBLISHED_CA_SECRET = 'elasticsearch-ca';

export interface ElasticsearchSetupArgs {
  namespace: pulumi.Input<string>;
  /** Elasticsearch HTTPS URL, reachable from the namespace above. */
  url: pulumi.Input<string>;
  logRetentionDays: number;
  /** Namespace of the log shipper, which receives the CA as Secret PUBLISHED_CA_SECRET. */
  caNamespace: pulumi.Input<string>;
}

/** The definition files as applied: the ILM policy's delete phase follows the configured retention. */
export function setupFiles(logRetentionDays: number): Record<string, string> {
  const read = (file: string) => fs.readFileSync(path.join(ELASTICSEARCH_FILES_DIR, file), 'utf8');
  const ilm = JSON.parse(read('ilm-policy.json'));
  ilm.policy.phases.delete.min_age = `${logRetentionDays}d`;
  return {
    'setup.sh': read('setup.sh'),
    'ilm-policy.json': `${JSON.stringify(ilm, null, 2)}\n`,
    'ingest-pipeline.json': read('ingest-pipeline.json'),
    'component-template-ecs-mappings.json': read('component-template-ecs-mappings.json'),
    'index-template-logs.json': read('index-template-logs.json'),
  };
}

const restrictedPod = {
  runAsNonRoot: true,
  // curl_user in the curlimages/curl image.
  runAsUser: 100,
  runAsGroup: 101,
  seccompProfile: { type: 'RuntimeDefault' },
};
const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** How long the setup Job may run: Elasticsearch's first start plus the definitions. */
export const SETUP_JOB_DEADLINE_SECONDS = 1800;
/**
 * Pulumi's wait for the Job. Options given to a ComponentResource are not passed on to its children, so
 * the Job carries its own; longer than the Job's deadline, so a failure reports Kubernetes' reason
 * instead of Pulumi's default 10-minute timeout.
 */
export const SETUP_JOB_TIMEOUT = `${SETUP_JOB_DEADLINE_SECONDS / 60 + 5}m`;
/**
 * Hourly. ECK renews its CA shortly before expiry and switches the HTTP certificate at once, so Fluentd
 * can verify again only once the new CA is published; hourly bounds that gap to an hour (a weekly run
 * allowed days) and restores a definition lost in Elasticsearch just as soon. A run is one small curl
 * pod doing a few idempotent PUTs.
 */
export const SETUP_SCHEDULE = '17 * * * *';

/**
 * Applies the files in cluster/elasticsearch/ with a Job the program owns (rerun whenever a file
 * changes) and again on a schedule, which also republishes the CA that ECK rotates.
 */
export class ElasticsearchSetup extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;
  readonly cronJob: k8s.batch.v1.CronJob;
  readonly configMap: k8s.core.v1.ConfigMap;

  constructor(name: string, args: ElasticsearchSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:ElasticsearchSetup', name, {}, opts);

    const files = setupFiles(args.logRetentionDays);
    const checksum = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
    const labels = {
      'app.kubernetes.io/name': 'elasticsearch-setup',
      'app.kubernetes.io/part-of': 'cloudops-crm',
    };

    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-files`,
      { metadata: { name: 'elasticsearch-setup', namespace: args.namespace, labels }, data: files },
      { parent: this },
    );

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: 'elasticsearch-setup', namespace: args.namespace, labels } },
      { parent: this },
    );

    // Rights in the shipper's namespace only: create the CA Secret, then update that one Secret.
    const role = new k8s.rbac.v1.Role(
      `${name}-publish-ca`,
      {
        metadata: { name: 'elasticsearch-ca-publisher', namespace: args.caNamespace, labels },
        rules: [
          { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
          {
            apiGroups: [''],
            resources: ['secrets'],
            resourceNames: [PUBLISHED_CA_SECRET],
            verbs: ['get', 'patch', 'update'],
          },
        ],
      },
      { parent: this },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-publish-ca`,
      {
        metadata: { name: 'elasticsearch-ca-publisher', namespace: args.caNamespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name },
        subjects: [{ kind: 'ServiceAccount', name: account.metadata.name, namespace: args.namespace }],
      },
      { parent: this },
    );

    const podSpec = (mode: 'all' | 'ca') => ({
      serviceAccountName: account.metadata.name,
      restartPolicy: 'OnFailure',
      securityContext: restrictedPod,
      containers: [
        {
          name: 'setup',
          image: `${images.curl.repository}:${images.curl.tag}`,
          command: ['/bin/sh', '/etc/elasticsearch-setup/setup.sh', mode],
          env: [
            { name: 'ES_URL', value: args.url },
            {
              name: 'ELASTIC_PASSWORD',
              valueFrom: { secretKeyRef: { name: ELASTIC_USER_SECRET, key: 'password' } },
            },
            { name: 'ILM_POLICY', value: esObjects.ilmPolicy },
            { name: 'INGEST_PIPELINE', value: esObjects.ingestPipeline },
            { name: 'COMPONENT_TEMPLATE', value: esObjects.componentTemplate },
            { name: 'INDEX_TEMPLATE', value: esObjects.indexTemplate },
            { name: 'DATA_STREAMS', value: esObjects.dataStreams.join(' ') },
            { name: 'CA_NAMESPACE', value: args.caNamespace },
            { name: 'CA_SECRET', value: PUBLISHED_CA_SECRET },
          ],
          resources: sizing.elasticsearchSetupJob,
          securityContext: restrictedContainer,
          volumeMounts: [
            { name: 'files', mountPath: '/etc/elasticsearch-setup', readOnly: true },
            { name: 'ca', mountPath: '/etc/elasticsearch/certs', readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'files', configMap: { name: this.configMap.metadata.name } },
        // Mounting waits until ECK has issued the certificates.
        {
          name: 'ca',
          secret: { secretName: ELASTICSEARCH_CA_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
        },
      ],
    });

    this.job = new k8s.batch.v1.Job(
      `${name}-apply`,
      {
        metadata: { namespace: args.namespace, labels },
        spec: {
          backoffLimit: 6,
          activeDeadlineSeconds: SETUP_JOB_DEADLINE_SECONDS,
          template: {
            // A changed file changes the template, which replaces (and so reruns) the Job.
            metadata: { labels, annotations: { 'cloudops-crm/files-sha256': checksum } },
            spec: podSpec('all'),
          },
        },
      },
      {
        parent: this,
        dependsOn: [binding],
        customTimeouts: { create: SETUP_JOB_TIMEOUT, update: SETUP_JOB_TIMEOUT },
      },
    );

    this.cronJob = new k8s.batch.v1.CronJob(
      `${name}-ca-refresh`,
      {
        metadata: { name: 'elasticsearch-ca-refresh', namespace: args.namespace, labels },
        spec: {
          schedule: SETUP_SCHEDULE,
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: {
            spec: {
              backoffLimit: 3,
              activeDeadlineSeconds: 1800,
              template: { metadata: { labels }, spec: podSpec('all') },
            },
          },
        },
      },
      { parent: this, dependsOn: [binding] },
    );

    this.registerOutputs({});
  }
}
