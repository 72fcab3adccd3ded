import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { LogLevel } from './config';
import { appLabels, appName, containerPort, portName } from './labels';

export interface SecretRef {
  name: pulumi.Input<string>;
  key: pulumi.Input<string>;
}

export interface AppDeploymentArgs {
  namespace: pulumi.Input<string>;
  image: pulumi.Input<string>;
  replicas: number;
  environment: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  mongoUri: SecretRef;
  /** Absent when API-key authentication is disabled. */
  apiKeys?: SecretRef;
  /** Set only when the public endpoint is served over TLS: the server then sends Strict-Transport-Security. */
  hstsMaxAgeSeconds?: pulumi.Input<number | undefined>;
}

/** One year, the usual HSTS lifetime; subdomains are not included (they are not this stack's to promise). */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** Seconds the pod keeps serving after it is marked terminating, while endpoints and the ingress drop it. */
export const preStopSeconds = 5;

/**
 * Grace period covering the preStop pause, the server's own drain window and a margin for process exit,
 * so the kubelet never SIGKILLs a server that is still finishing requests.
 */
export function terminationGracePeriodSeconds(shutdownTimeoutMs: number): number {
  return preStopSeconds + Math.ceil(shutdownTimeoutMs / 1000) + 5;
}

export class AppDeployment extends pulumi.ComponentResource {
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cloudops-crm:app:Deployment', name, {}, opts);

    const env: k8s.types.input.core.v1.EnvVar[] = [
      { name: 'PORT', value: String(containerPort) },
      { name: 'ENVIRONMENT', value: args.environment },
      { name: 'LOG_LEVEL', value: args.logLevel },
      { name: 'SHUTDOWN_TIMEOUT_MS', value: String(args.shutdownTimeoutMs) },
      // Requests reach the pods through exactly one proxy, the ingress controller: trust its X-Forwarded-For entry
      // (the client address) and nothing a client put before it.
      { name: 'TRUST_PROXY_HOPS', value: '1' },
      {
        name: 'MONGO_URI',
        valueFrom: { secretKeyRef: { name: args.mongoUri.name, key: args.mongoUri.key } },
      },
    ];
    if (args.apiKeys) {
      env.push({
        name: 'API_KEYS',
        valueFrom: { secretKeyRef: { name: args.apiKeys.name, key: args.apiKeys.key } },
      });
    }

    // HSTS_MAX_AGE only with TLS: behind a plain-HTTP endpoint the header would be ignored at best, and it would pin
    // browsers to an https endpoint that does not exist should the domain ever get TLS for a while and lose it.
    const containerEnv = pulumi
      .output(args.hstsMaxAgeSeconds)
      .apply((maxAge) =>
        pulumi.output(maxAge ? [...env, { name: 'HSTS_MAX_AGE', value: String(maxAge) }] : env),
      );

    const deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: appName, namespace: args.namespace, labels: { ...appLabels } },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: { ...appLabels } },
          // Never drop below the desired count during a rollout: a new pod must be ready first.
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          revisionHistoryLimit: 5,
          template: {
            metadata: { labels: { ...appLabels } },
            spec: {
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: terminationGracePeriodSeconds(args.shutdownTimeoutMs),
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 1000,
                runAsGroup: 1000,
                fsGroup: 1000,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  // Soft, so a surge pod can still schedule when every node already runs one replica.
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: { ...appLabels } },
                  // Spread each ReplicaSet on its own, so old pods do not skew where new ones land.
                  matchLabelKeys: ['pod-template-hash'],
                },
              ],
              containers: [
                {
                  name: appName,
                  image: args.image,
                  imagePullPolicy: 'IfNotPresent',
                  ports: [{ name: portName, containerPort, protocol: 'TCP' }],
                  env: containerEnv,
                  resources: {
                    requests: { cpu: '100m', memory: '128Mi' },
                    limits: { cpu: '500m', memory: '256Mi' },
                  },
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    runAsGroup: 1000,
                    readOnlyRootFilesystem: true,
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    capabilities: { drop: ['ALL'] },
                    seccompProfile: { type: 'RuntimeDefault' },
                  },
                  // Liveness and readiness only start once the process answers at all.
                  startupProbe: {
                    httpGet: { path: '/health', port: portName },
                    periodSeconds: 2,
                    timeoutSeconds: 2,
                    failureThreshold: 30,
                  },
                  readinessProbe: {
                    httpGet: { path: '/ready', port: portName },
                    periodSeconds: 5,
                    timeoutSeconds: 2,
                    failureThreshold: 3,
                  },
                  // /health never touches MongoDB, so a database outage does not restart every pod.
                  livenessProbe: {
                    httpGet: { path: '/health', port: portName },
                    periodSeconds: 10,
                    timeoutSeconds: 2,
                    failureThreshold: 3,
                  },
                  // Native sleep action: works without a shell or sleep binary in the image.
                  lifecycle: { preStop: { sleep: { seconds: preStopSeconds } } },
                },
              ],
            },
          },
        },
      },
      // The HorizontalPodAutoscaler owns the replica count after creation.
      { parent: this, ignoreChanges: ['spec.replicas'] },
    );
    this.name = deployment.metadata.name;

    this.registerOutputs({ name: this.name });
  }
}
