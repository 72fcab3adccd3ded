import { runProgram } from '@cloudops-crm/pulumi-testing';

export const project = 'cloudops-crm-app';
export const stack = 'dev';
export const infraStack = 'example-org/cloudops-crm-infra/dev';
export const clusterStack = 'example-org/cloudops-crm-cluster/dev';
export const ecrRepositoryUrl = '123456789012.dkr.ecr.us-east-1.amazonaws.com/crm-app';
export const digest = `sha256:${'a'.repeat(64)}`;
export const existingImage = `${ecrRepositoryUrl}@sha256:${'b'.repeat(64)}`;
export const gitSha = '0123456789abcdef0123456789abcdef01234567';

export const infraOutputs: Record<string, unknown> = {
  clusterName: 'develeap-eks-cluster',
  kubeconfig: '{"apiVersion":"v1","kind":"Config"}',
  ecrRepositoryUrl,
  ecrRepositoryName: 'crm-app',
  region: 'us-east-1',
};

export const clusterOutputs: Record<string, unknown> = {
  appNamespace: 'crm',
  mongoSecretName: 'crm-mongodb-app',
  mongoSecretKey: 'uri',
  ingressClassName: 'nginx',
  crmUrl: 'http://k8s-ingress-1234.elb.us-east-1.amazonaws.com',
};

/** Runs index.ts under mocks with the given `cloudops-crm-app:` config, the infra and cluster stacks mocked. */
export function runApp(config: Record<string, string>, cluster: Record<string, unknown> = clusterOutputs) {
  return runProgram({
    project,
    stack,
    config,
    stackOutputs: { [infraStack]: infraOutputs, [clusterStack]: cluster },
    secretStackOutputs: ['kubeconfig'],
    outputs: (args) => {
      switch (args.type) {
        case 'docker-build:index:Image':
          return { digest, ref: `${(args.inputs.tags as string[])[0]}@${digest}` };
        case 'pulumi-nodejs:dynamic:Resource':
          return { value: `generated-${args.name}` };
        default:
          return undefined;
      }
    },
    call: (args) =>
      args.token === 'aws:ecr/getAuthorizationToken:getAuthorizationToken'
        ? {
            authorizationToken: 'QVdTOnRva2Vu',
            proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
            userName: 'AWS',
            password: 'ecr-token',
            expiresAt: '2030-01-01T00:00:00Z',
            id: 'us-east-1',
          }
        : undefined,
    program: () => import('../index.js'),
  });
}

export type AppRun = Awaited<ReturnType<typeof runApp>>;
