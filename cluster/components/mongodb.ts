import * as path from 'node:path';
import { GeneratedSecret } from '@cloudops-crm/generated-secret';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { sizing } from '../sizing';
import { images } from '../versions';

export const MONGODB_PORT = 27017;
export const MONGODB_CHART_PATH = path.join(__dirname, '..', 'charts', 'mongodb');

/** Labels the app layer puts on the CRM pods; the only clients MongoDB admits. */
export interface AppSelector {
  namespace: pulumi.Input<string>;
  podLabels: Record<string, string>;
}

export interface MongoDbArgs {
  namespace: pulumi.Input<string>;
  storageClassName: pulumi.Input<string>;
  storageSize: string;
  database: string;
  appUsername: string;
  /** Where the app's connection Secret goes (the app namespace) and what it is called. */
  appSecret: { namespace: pulumi.Input<string>; name: string; key: string };
  app: AppSelector;
  timeoutSeconds: number;
}

const RELEASE_NAME = 'mongodb';
const CREDENTIALS_SECRET = 'mongodb-credentials';

/** MongoDB from the chart in charts/mongodb, its generated credentials, and who may connect. */
export class MongoDb extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;
  readonly serviceHost: pulumi.Output<string>;
  readonly appSecretName: pulumi.Output<string>;
  readonly rootPassword: pulumi.Output<string>;
  readonly appPassword: pulumi.Output<string>;
  readonly appUri: pulumi.Output<string>;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;

  constructor(name: string, args: MongoDbArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:cluster:MongoDb', name, {}, opts);

    // Alphanumeric only: the app password goes into a mongodb:// URI without escaping.
    const root = new GeneratedSecret(`${name}-root`, { length: 32 }, { parent: this });
    const app = new GeneratedSecret(`${name}-app`, { length: 32 }, { parent: this });
    this.rootPassword = pulumi.secret(root.value);
    this.appPassword = pulumi.secret(app.value);

    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: { 'app.kubernetes.io/name': 'mongodb', 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        type: 'Opaque',
        stringData: {
          'root-username': 'root',
          'root-password': this.rootPassword,
          'app-username': args.appUsername,
          'app-password': this.appPassword,
          'app-database': args.database,
        },
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      name,
      {
        chart: MONGODB_CHART_PATH,
        name: RELEASE_NAME,
        namespace: args.namespace,
        timeout: args.timeoutSeconds,
        atomic: true,
        cleanupOnFail: true,
        values: {
          image: { repository: images.mongo.repository, tag: images.mongo.tag },
          auth: { existingSecret: CREDENTIALS_SECRET },
          persistence: { storageClassName: args.storageClassName, size: args.storageSize },
          resources: sizing.mongodb,
        },
      },
      { parent: this, dependsOn: [credentials] },
    );

    this.serviceHost = pulumi.interpolate`${RELEASE_NAME}.${args.namespace}.svc.cluster.local`;
    this.appUri = pulumi.secret(
      pulumi.interpolate`mongodb://${args.appUsername}:${this.appPassword}@${this.serviceHost}:${MONGODB_PORT}/${args.database}?authSource=${args.database}`,
    );

    const appSecret = new k8s.core.v1.Secret(
      `${name}-app-uri`,
      {
        metadata: {
          name: args.appSecret.name,
          namespace: args.appSecret.namespace,
          labels: { 'app.kubernetes.io/name': 'mongodb', 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        type: 'Opaque',
        stringData: { [args.appSecret.key]: this.appUri },
      },
      { parent: this },
    );
    this.appSecretName = appSecret.metadata.name;

    // Only the CRM API pods reach MongoDB; everything else in the cluster is refused.
    this.networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-ingress`,
      {
        metadata: {
          name: 'mongodb-allow-crm-app',
          namespace: args.namespace,
          labels: { 'app.kubernetes.io/part-of': 'cloudops-crm' },
        },
        spec: {
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'mongodb', 'app.kubernetes.io/instance': RELEASE_NAME },
          },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { 'kubernetes.io/metadata.name': args.app.namespace },
                  },
                  podSelector: { matchLabels: args.app.podLabels },
                },
              ],
              ports: [{ protocol: 'TCP', port: MONGODB_PORT }],
            },
          ],
        },
      },
      { parent: this },
    );

    this.registerOutputs({ serviceHost: this.serviceHost, appSecretName: this.appSecretName });
  }
}
