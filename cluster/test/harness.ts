import { declared, ofType, type RecordedResource, runProgram } from '@cloudops-crm/pulumi-testing';
import type * as pulumi from '@pulumi/pulumi';

export const NLB_HOSTNAME = 'a1b2c3d4e5f6-0123456789.elb.us-east-1.amazonaws.com';

/** What the infra stack exports, per the contract. */
export const INFRA_STACK_OUTPUTS = {
  clusterName: 'develeap-eks-cluster',
  clusterEndpoint: 'https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com',
  kubeconfig: JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'eks', cluster: { server: 'https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com' } },
    ],
    contexts: [{ name: 'aws', context: { cluster: 'eks', user: 'aws' } }],
    'current-context': 'aws',
    users: [
      { name: 'aws', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws' } } },
    ],
  }),
  oidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF',
  ecrRepositoryUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app',
  ecrRepositoryName: 'crm-app',
  ciRoleArn: 'arn:aws:iam::123456789012:role/github-actions-ecr-eks',
  region: 'us-east-1',
  storageClassName: 'gp3',
};

export const EKS_CONFIG = { infraStack: 'example-org/cloudops-crm-infra/dev' };

export const PUBLIC_DOMAIN = 'crm.example.com';
export const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
/** An infra stack with TLS on the public endpoint. */
export const TLS_INFRA_STACK_OUTPUTS = {
  ...INFRA_STACK_OUTPUTS,
  publicDomain: PUBLIC_DOMAIN,
  tlsCertificateArn: CERTIFICATE_ARN,
};

/** Deterministic stand-in for every GeneratedSecret value, so tests can look for leaks. */
export const generatedSecret = (name: string) => `generated-${name}-Zq8v`;

/** The cluster stack outputs of the shared contract, exactly. */
export const EXPORT_NAMES = [
  'ingressHostname',
  'ingressClassName',
  'crmUrl',
  'kibanaUrl',
  'grafanaUrl',
  'elasticsearchEndpoint',
  'grafanaAdminPassword',
  'appNamespace',
  'mongoSecretName',
  'mongoSecretKey',
  'mongoServiceHost',
  'components',
];

function stateFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> | undefined {
  switch (args.type) {
    case 'pulumi-nodejs:dynamic:Resource':
      return { ...args.inputs, value: generatedSecret(args.name) };
    case 'kubernetes:helm.sh/v3:Release':
      return {
        ...args.inputs,
        status: { name: args.inputs.name, namespace: args.inputs.namespace, status: 'deployed' },
      };
    case 'kubernetes:core/v1:Service':
      return args.id ? { status: { loadBalancer: { ingress: [{ hostname: NLB_HOSTNAME }] } } } : undefined;
    default:
      return undefined;
  }
}

/** Runs cluster/index.ts under Pulumi mocks with the given stack configuration, the infra stack's outputs mocked. */
export function runCluster(
  config: Record<string, string> = EKS_CONFIG,
  infraOutputs: Record<string, unknown> = INFRA_STACK_OUTPUTS,
) {
  return runProgram({
    project: 'cloudops-crm-cluster',
    stack: 'dev',
    config,
    stackOutputs: () => infraOutputs,
    secretStackOutputs: ['kubeconfig'],
    outputs: stateFor,
    program: () => import('../index.js'),
  });
}

export type ClusterRun = Awaited<ReturnType<typeof runCluster>>;

export const releases = (run: ClusterRun) => ofType(declared(run.resources), 'kubernetes:helm.sh/v3:Release');

export function release(run: ClusterRun, releaseName: string): RecordedResource {
  const found = releases(run).find((r) => r.inputs.name === releaseName);
  if (!found) throw new Error(`no Helm release named ${releaseName}`);
  return found;
}

export function customResource(run: ClusterRun, kind: string, name: string): RecordedResource {
  const found = run.resources.find(
    (r) => r.inputs.kind === kind && r.inputs.metadata?.name === name && r.type.startsWith('kubernetes:'),
  );
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
}

/** Every Kubernetes object the program creates itself (not through Helm), reads excluded. */
export const kubernetesObjects = (run: ClusterRun) =>
  run.resources.filter(
    (r) =>
      r.type.startsWith('kubernetes:') &&
      r.type !== 'kubernetes:helm.sh/v3:Release' &&
      !r.id &&
      r.inputs.kind !== undefined,
  );
