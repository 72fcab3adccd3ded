import * as pulumi from '@pulumi/pulumi';

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getIgnorechangesList(): string[];
  getRetainondelete(): boolean | undefined;
}

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

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** Resource options as the engine received them; `Mocks.newResource` does not see them. */
export interface RecordedOptions {
  ignoreChanges: string[];
  retainOnDelete: boolean | undefined;
}

export interface RecordedCall {
  token: string;
  inputs: Record<string, any>;
}

export interface Harness {
  resources: RecordedResource[];
  /** Options of each registered resource, keyed `<type>::<name>`. */
  options: Map<string, RecordedOptions>;
  calls: RecordedCall[];
  /** Resolves once registration has stopped producing new resources. */
  settle(): Promise<void>;
  ofType(type: string): RecordedResource[];
  one(type: string): RecordedResource;
}

/** Installs Pulumi mocks that answer stack references with the agreed layer outputs and record every resource. */
export function installMocks(config: Record<string, string>): Harness {
  const resources: RecordedResource[] = [];
  const calls: RecordedCall[] = [];
  const prefixed = Object.fromEntries(
    Object.entries(config).map(([key, value]) => [`${project}:${key}`, value]),
  );
  pulumi.runtime.setAllConfig(prefixed);
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        switch (args.type) {
          case 'pulumi:pulumi:StackReference': {
            const outputs = args.inputs.name === infraStack ? infraOutputs : clusterOutputs;
            return {
              id: args.inputs.name,
              state: { name: args.inputs.name, outputs, secretOutputNames: ['kubeconfig'] },
            };
          }
          case 'docker-build:index:Image': {
            const tag = (args.inputs.tags as string[])[0];
            return { id: `${args.name}-id`, state: { ...args.inputs, digest, ref: `${tag}@${digest}` } };
          }
          case 'random:index/randomPassword:RandomPassword':
            return { id: `${args.name}-id`, state: { ...args.inputs, result: `generated-${args.name}` } };
          default:
            return { id: `${args.name}-id`, state: args.inputs };
        }
      },
      call(args) {
        calls.push({ token: args.token, inputs: args.inputs });
        if (args.token === 'aws:ecr/getAuthorizationToken:getAuthorizationToken') {
          return {
            authorizationToken: 'QVdTOnRva2Vu',
            proxyEndpoint: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com',
            userName: 'AWS',
            password: 'ecr-token',
            expiresAt: '2030-01-01T00:00:00Z',
            id: 'us-east-1',
          };
        }
        return args.inputs;
      },
    },
    project,
    stack,
    false,
  );
  // The mock monitor receives the full RegisterResourceRequest, options included, but hands only type, name and
  // inputs to `newResource`: read the options from the request on their way in.
  const options = new Map<string, RecordedOptions>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: RegisterResourceRequest, callback: unknown): unknown;
  };
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    options.set(`${request.getType()}::${request.getName()}`, {
      ignoreChanges: request.getIgnorechangesList(),
      retainOnDelete: request.getRetainondelete(),
    });
    return registerResource(request, callback);
  };

  const ofType = (type: string) => resources.filter((resource) => resource.type === type);
  return {
    resources,
    options,
    calls,
    ofType,
    one(type: string) {
      const matches = ofType(type);
      if (matches.length !== 1) throw new Error(`expected exactly one ${type}, found ${matches.length}`);
      return matches[0]!;
    },
    async settle() {
      let stableRounds = 0;
      let last = -1;
      while (stableRounds < 5) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (resources.length === last) stableRounds++;
        else stableRounds = 0;
        last = resources.length;
      }
    },
  };
}

/** Resolves an Output under mocks. */
export function resolveOutput<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
  return pulumi.isSecret(output);
}

const SECRET_SIG_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

/** True when a recorded input reached the engine as a Pulumi secret. */
export function isSecretInput(value: unknown): value is { value: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

/** Recorded inputs with secret wrappers replaced by their values, as Kubernetes would receive them. */
export function unwrapSecrets<T>(value: T): T {
  if (isSecretInput(value)) return unwrapSecrets(value.value) as T;
  if (Array.isArray(value)) return value.map((item) => unwrapSecrets(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)])) as T;
  }
  return value;
}
