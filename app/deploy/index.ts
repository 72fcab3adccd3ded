import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiKeys } from './apiKeys';
import { loadConfig } from './config';
import { AppDeployment, HSTS_MAX_AGE_SECONDS } from './deployment';
import { AppAutoscaler } from './horizontalPodAutoscaler';
import { AppImage, type AppImageArgs } from './image';
import { AppIngress } from './ingress';
import { AppPodDisruptionBudget } from './podDisruptionBudget';
import { AppService } from './service';
import { AppServiceMonitor, type ClusterComponents } from './serviceMonitor';

const config = loadConfig();

const infra = config.infraStack ? new pulumi.StackReference('infra', { name: config.infraStack }) : undefined;
const cluster = new pulumi.StackReference('cluster', { name: config.clusterStack });

// Without an infra stack (local kind/k3d cluster) the provider uses the ambient kubeconfig and context.
// clusterIdentifier, as in the cluster layer: without it the provider compares kubeconfig texts, and a regenerated
// kubeconfig (new token command, reordered keys) plans a replacement of the provider and with it a delete and
// recreate of the Deployment, Service and Ingress. Tied to the EKS cluster name, only another cluster replaces.
// Adding the identifier to an existing provider is itself no replacement (pulumi-kubernetes DiffConfig).
const provider = new k8s.Provider(
  'crm',
  infra
    ? {
        kubeconfig: infra.requireOutput('kubeconfig') as pulumi.Output<string>,
        clusterIdentifier: pulumi.interpolate`eks:${infra.requireOutput('clusterName')}`,
      }
    : { clusterIdentifier: 'local:current-context' },
);
const opts: pulumi.ComponentResourceOptions = { providers: [provider] };

function imageArgs(): AppImageArgs {
  if (config.image.mode === 'existing' || infra === undefined) {
    return config.image as AppImageArgs;
  }
  const awsProvider = new aws.Provider('ecr', {
    region: infra.requireOutput('region') as pulumi.Output<string>,
  });
  const token = aws.ecr.getAuthorizationTokenOutput({}, { provider: awsProvider });
  return {
    mode: 'build',
    repositoryUrl: infra.requireOutput('ecrRepositoryUrl') as pulumi.Output<string>,
    gitSha: config.image.gitSha,
    registry: { address: token.proxyEndpoint, username: token.userName, password: token.password },
  };
}

const image = new AppImage('crm-app', imageArgs());

const namespace = cluster.requireOutput('appNamespace') as pulumi.Output<string>;

const crmUrl = cluster.getOutput('crmUrl') as pulumi.Output<string | undefined>;
// The cluster layer hands out https URLs exactly when the NLB terminates TLS (and port 80 only redirects).
const servedOverTls = crmUrl.apply((url) => url?.startsWith('https://') === true);

const keys = config.authEnabled ? new ApiKeys('crm-app-api-keys', { namespace, count: 2 }, opts) : undefined;

const deployment = new AppDeployment(
  'crm-app',
  {
    namespace,
    image: image.ref,
    replicas: config.replicas,
    environment: config.environment,
    logLevel: config.logLevel,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    mongoUri: {
      name: cluster.requireOutput('mongoSecretName') as pulumi.Output<string>,
      key: cluster.requireOutput('mongoSecretKey') as pulumi.Output<string>,
    },
    apiKeys: keys ? { name: keys.secretName, key: keys.secretKey } : undefined,
    hstsMaxAgeSeconds: servedOverTls.apply((tls) => (tls ? HSTS_MAX_AGE_SECONDS : undefined)),
  },
  opts,
);

const service = new AppService('crm-app', { namespace }, opts);

new AppIngress(
  'crm-app',
  {
    namespace,
    ingressClassName: cluster.requireOutput('ingressClassName') as pulumi.Output<string>,
    serviceName: service.name,
  },
  opts,
);

// A ServiceMonitor needs the Prometheus Operator CRDs, which only a cluster stack with monitoring installs. The cluster
// stack's `components` output says which platform components it has; a stack from before that output had them all.
// A stack reference's outputs are known in a preview too, so the choice shows there.
const clusterComponents = cluster.getOutput('components') as pulumi.Output<ClusterComponents | undefined>;
const monitored = clusterComponents.apply((components) => components?.monitoring !== false);
monitored.apply((on) => (on ? new AppServiceMonitor('crm-app', { namespace }, opts) : undefined));

new AppPodDisruptionBudget('crm-app', { namespace }, opts);

new AppAutoscaler(
  'crm-app',
  {
    namespace,
    deploymentName: deployment.name,
    minReplicas: config.replicas,
    maxReplicas: config.maxReplicas,
    targetCpuUtilization: config.targetCpuUtilization,
  },
  opts,
);

export const imageRef = image.ref;
export const appNamespace = namespace;
export const deploymentName = deployment.name;
export const serviceName = service.name;
export const url = crmUrl;
/** Whether the app has a ServiceMonitor (the cluster stack runs monitoring). */
export const serviceMonitor = monitored;
export const healthUrl = crmUrl.apply((base) => (base ? `${base.replace(/\/+$/, '')}/health` : undefined));
/** Read with `pulumi stack output apiKeys --show-secrets`; absent when authentication is disabled. */
export const apiKeys = keys?.value;
