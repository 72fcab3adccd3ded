import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';
import { recordResourceHooks } from '../../policy/testing';

/**
 * Recorded inputs are arbitrary JSON whose shape each test asserts; typing them loosely keeps the
 * assertions readable.
 */
// biome-ignore lint/suspicious/noExplicitAny: recorded resource inputs are untyped JSON
export type Json = any;

/** A resource as the program registered it: type token, logical name and the inputs it passed. */
export interface Recorded {
  type: string;
  name: string;
  /** Inputs with secret markers removed. */
  inputs: Record<string, Json>;
  /** Inputs as the engine received them: secrets still wrapped in their marker object. */
  raw: Record<string, Json>;
  /** Set for reads (`Resource.get`). */
  id?: string;
  /** Reference (urn::id) of the provider the resource was registered with. */
  provider?: string;
}

/** What the program asked the engine for, beyond inputs: options the mocks do not hand to newResource. */
export interface Registration {
  type: string;
  name: string;
  /** Logical names of the resources it depends on (dependsOn and inputs), from their URNs. */
  dependencies: string[];
  /** Names of the resource hooks bound to it, per lifecycle step. */
  beforeDelete: string[];
  afterDelete: string[];
  customTimeouts?: { create?: string; update?: string; pb_delete?: string };
}

export interface ProgramRun {
  resources: Recorded[];
  registrations: Registration[];
  /** Names of the resource hooks the program registered with the engine. */
  hooks: string[];
  outputs: Record<string, Json>;
  /** The program's exports as Outputs, to inspect secretness. */
  exports: Record<string, pulumi.Output<unknown>>;
  /** Every name index.ts exports. */
  exportNames: string[];
}

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

/** Deterministic stand-in for every RandomPassword result, so tests can look for leaks. */
export const generatedSecret = (name: string) => `generated-${name}-Zq8v`;

/** The marker the Pulumi engine wraps secret values in. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VALUE = '1b47061264138c4ac30d75fd1eb44270';

export const isWrappedSecret = (value: unknown): value is { value: unknown } =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;

export function unwrapSecrets(value: unknown): Json {
  if (isWrappedSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

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
];

function stateFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  switch (args.type) {
    case 'pulumi:pulumi:StackReference':
      return { name: args.inputs.name, outputs: INFRA_STACK_OUTPUTS, secretOutputNames: ['kubeconfig'] };
    case 'random:index/randomPassword:RandomPassword':
      return { ...args.inputs, result: generatedSecret(args.name) };
    case 'kubernetes:helm.sh/v3:Release':
      return {
        ...args.inputs,
        status: { name: args.inputs.name, namespace: args.inputs.namespace, status: 'deployed' },
      };
    case 'kubernetes:core/v1:Service':
      return args.id ? { status: { loadBalancer: { ingress: [{ hostname: NLB_HOSTNAME }] } } } : args.inputs;
    default:
      return args.inputs;
  }
}

const settle = async (resources: Recorded[]) => {
  // Registrations finish asynchronously; wait until the count stops moving.
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (resources.length === last) stable++;
    else stable = 0;
    last = resources.length;
  }
};

const resolve = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((done) => {
    output.apply((value) => {
      done(value);
      return value;
    });
  });

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
  getHooks(): { getBeforeDeleteList(): string[]; getAfterDeleteList(): string[] } | undefined;
  getCustomtimeouts(): { toObject(): Registration['customTimeouts'] } | undefined;
}

/** The logical name at the end of a URN (urn:pulumi:stack::project::type::name). */
export const urnName = (urn: string) => urn.slice(urn.lastIndexOf('::') + 2);

/**
 * The mock monitor passes only type, name, inputs and provider on to `newResource`; hook bindings,
 * dependencies and custom timeouts are in the request it receives, so record them there.
 */
function recordRegistrations(): Registration[] {
  const registrations: Registration[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(request: RegisterResourceRequest, done: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, done) => {
    const hooks = request.getHooks();
    registrations.push({
      type: request.getType(),
      name: request.getName(),
      dependencies: request.getDependenciesList().map(urnName),
      beforeDelete: hooks?.getBeforeDeleteList() ?? [],
      afterDelete: hooks?.getAfterDeleteList() ?? [],
      customTimeouts: request.getCustomtimeouts()?.toObject(),
    });
    return register(request, done);
  };
  return registrations;
}

export function registration(run: ProgramRun, type: string, name: string): Registration {
  const found = run.registrations.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`${found.length} registrations of ${type} ${name}`);
  return found[0]!;
}

/** Runs cluster/index.ts under Pulumi mocks with the given stack configuration. */
export async function runProgram(config: Record<string, string> = EKS_CONFIG): Promise<ProgramRun> {
  const resources: Recorded[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: unwrapSecrets(args.inputs),
          raw: args.inputs,
          id: args.id || undefined,
          provider: args.provider,
        });
        return { id: args.id || `${args.name}-id`, state: stateFor(args) };
      },
      call(args) {
        return args.inputs;
      },
    },
    'cloudops-crm-cluster',
    'dev',
    false,
  );
  const hooks = recordResourceHooks(pulumi.runtime);
  const registrations = recordRegistrations();
  const namespaced: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) namespaced[`cloudops-crm-cluster:${key}`] = value;
  pulumi.runtime.setAllConfig(namespaced);

  vi.resetModules();
  const program = (await import('../index.js')) as Record<string, unknown>;
  const exports: Record<string, pulumi.Output<unknown>> = {};
  const outputs: Record<string, Json> = {};
  for (const name of EXPORT_NAMES) {
    const value = program[name];
    exports[name] = pulumi.output(value);
    outputs[name] = await resolve(pulumi.output(value));
  }
  await settle(resources);
  return {
    resources,
    registrations,
    hooks,
    outputs,
    exports,
    exportNames: Object.keys(program).filter((k) => k !== 'default'),
  };
}

export const ofType = (run: ProgramRun, type: string) =>
  run.resources.filter((r) => r.type === type && !r.id);

export const releases = (run: ProgramRun) => ofType(run, 'kubernetes:helm.sh/v3:Release');

export function release(run: ProgramRun, releaseName: string): Recorded {
  const found = releases(run).find((r) => r.inputs.name === releaseName);
  if (!found) throw new Error(`no Helm release named ${releaseName}`);
  return found;
}

export function customResource(run: ProgramRun, kind: string, name: string): Recorded {
  const found = run.resources.find(
    (r) => r.inputs.kind === kind && r.inputs.metadata?.name === name && r.type.startsWith('kubernetes:'),
  );
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
}

/** Every Kubernetes object the program creates itself (not through Helm), reads excluded. */
export const kubernetesObjects = (run: ProgramRun) =>
  run.resources.filter(
    (r) =>
      r.type.startsWith('kubernetes:') &&
      r.type !== 'kubernetes:helm.sh/v3:Release' &&
      !r.id &&
      r.inputs.kind !== undefined,
  );
