import * as pulumi from '@pulumi/pulumi';
import { recordResourceHooks } from './hooks';
import { type Json, unwrapSecrets } from './secrets';

/** Names of the resource hooks bound to a resource, per lifecycle step. */
export interface HookBindings {
  beforeCreate: string[];
  afterCreate: string[];
  beforeUpdate: string[];
  afterUpdate: string[];
  beforeDelete: string[];
  afterDelete: string[];
  onError: string[];
}

/** Resource options as the engine received them with the registration (`Mocks.newResource` does not see them). */
export interface RecordedOptions {
  /** URN of the parent ('' for a child of the stack). */
  parent: string;
  /** URNs the resource depends on: explicit `dependsOn` and the resources its inputs came from. */
  dependsOn: string[];
  /** Provider reference (`urn::id`) of a custom resource; '' for the default provider. */
  provider: string;
  /** Package -> provider reference, as a component passes `providers` on. */
  providers: Record<string, string>;
  hooks: HookBindings;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  protect: boolean | undefined;
  retainOnDelete: boolean | undefined;
  deleteBeforeReplace: boolean | undefined;
  /** URN of the resource whose deletion deletes this one ('' when unset). */
  deletedWith: string;
  customTimeouts: { create?: string; update?: string; delete?: string } | undefined;
}

/** A resource as the program registered (or read) it. */
export interface RecordedResource {
  type: string;
  name: string;
  /** Set once the engine has answered the registration. */
  urn?: string;
  /** Inputs with secret wrappers removed. */
  inputs: Record<string, Json>;
  /** Inputs as the engine received them: secrets still wrapped (see `isSecretInput`). */
  raw: Record<string, Json>;
  /** Set for reads (`Resource.get`) and imports. */
  id?: string;
  /** Reference (`urn::id`) of the provider the resource was registered with. */
  provider?: string;
  /** Registration options; a read (`Resource.get`) has none, so they are empty. */
  options: RecordedOptions;
}

export interface RecordingOptions {
  /** Outputs of a stack, per StackReference name (`org/project/stack`), or a function of that name. */
  stackOutputs?: Record<string, Record<string, unknown>> | ((name: string) => Record<string, unknown>);
  /** Stack outputs every StackReference reports as secret (e.g. `kubeconfig`). */
  secretStackOutputs?: string[];
  /** Extra state for a registered resource, merged over its inputs (e.g. a remote component's outputs). */
  outputs?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Result of a provider function call (data source); `undefined` echoes its inputs. */
  call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}

export interface Recording {
  mocks: pulumi.runtime.Mocks;
  /** Every resource registered or read so far, in order. */
  resources: RecordedResource[];
  /** Every provider function call so far. */
  calls: pulumi.runtime.MockCallArgs[];
  /** Reads resource options off the registration requests; call after `setMocks`, which replaces the monitor. */
  watch(runtime?: typeof pulumi.runtime): void;
}

type Answered = (err: unknown, response?: { getUrn(): string }) => void;

interface RegisterResourceRequest {
  getParent(): string;
  getDependenciesList(): string[];
  getProvider(): string;
  getProvidersMap(): { toObject(): [string, string][] };
  getHooks(): Record<string, () => string[]> | undefined;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplacedefined(): boolean;
  getDeletebeforereplace(): boolean;
  getDeletedwith(): string;
  getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}

const HOOK_STEPS = [
  'BeforeCreate',
  'AfterCreate',
  'BeforeUpdate',
  'AfterUpdate',
  'BeforeDelete',
  'AfterDelete',
  'OnError',
];

function hookBindings(request: RegisterResourceRequest): HookBindings {
  const bindings = request.getHooks();
  const entries = HOOK_STEPS.map((step) => [
    step[0]!.toLowerCase() + step.slice(1),
    bindings?.[`get${step}List`]?.() ?? [],
  ]);
  return Object.fromEntries(entries) as HookBindings;
}

function optionsOf(request: RegisterResourceRequest): RecordedOptions {
  const timeouts = request.getCustomtimeouts();
  return {
    parent: request.getParent(),
    dependsOn: request.getDependenciesList(),
    provider: request.getProvider(),
    providers: Object.fromEntries(request.getProvidersMap().toObject()),
    hooks: hookBindings(request),
    ignoreChanges: request.getIgnorechangesList(),
    replaceOnChanges: request.getReplaceonchangesList(),
    additionalSecretOutputs: request.getAdditionalsecretoutputsList(),
    protect: request.getProtect(),
    retainOnDelete: request.getRetainondelete(),
    deleteBeforeReplace: request.getDeletebeforereplacedefined()
      ? request.getDeletebeforereplace()
      : undefined,
    deletedWith: request.getDeletedwith(),
    customTimeouts: timeouts && {
      create: timeouts.getCreate() || undefined,
      update: timeouts.getUpdate() || undefined,
      delete: timeouts.getDelete() || undefined,
    },
  };
}

const noOptions = (): RecordedOptions => ({
  parent: '',
  dependsOn: [],
  provider: '',
  providers: {},
  hooks: {
    beforeCreate: [],
    afterCreate: [],
    beforeUpdate: [],
    afterUpdate: [],
    beforeDelete: [],
    afterDelete: [],
    onError: [],
  },
  ignoreChanges: [],
  replaceOnChanges: [],
  additionalSecretOutputs: [],
  protect: undefined,
  retainOnDelete: undefined,
  deleteBeforeReplace: undefined,
  deletedWith: '',
  customTimeouts: undefined,
});

function stackOutputsOf(options: RecordingOptions, name: string): Record<string, unknown> {
  const { stackOutputs = {} } = options;
  const outputs = typeof stackOutputs === 'function' ? stackOutputs(name) : stackOutputs[name];
  if (!outputs) throw new Error(`no stack outputs given for StackReference ${name}`);
  return outputs;
}

/**
 * Mocks that echo each resource's inputs back as its state (plus `options.outputs`), answer StackReferences with
 * `options.stackOutputs`, give every new resource the id `<name>-id` and record every registration with its options.
 */
export function recordingMocks(options: RecordingOptions = {}): Recording {
  const resources: RecordedResource[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  // The mock monitor calls `newResource` synchronously from `registerResource`: this holds that request's options.
  let registering: RecordedOptions | undefined;

  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      resources.push({
        type: args.type,
        name: args.name,
        inputs: unwrapSecrets(args.inputs),
        raw: args.inputs,
        id: args.id || undefined,
        provider: args.provider,
        options: registering ?? noOptions(),
      });
      if (args.type === 'pulumi:pulumi:StackReference') {
        const name = String(args.inputs.name);
        const outputs = stackOutputsOf(options, name);
        return { id: name, state: { name, outputs, secretOutputNames: options.secretStackOutputs ?? [] } };
      }
      // A new resource arrives with an empty import id; an empty id would read as unknown.
      return { id: args.id || `${args.name}-id`, state: { ...args.inputs, ...options.outputs?.(args) } };
    },
    call(args) {
      calls.push(args);
      return options.call?.(args) ?? args.inputs;
    },
  };

  function watch(runtime: typeof pulumi.runtime = pulumi.runtime) {
    const monitor = runtime.getMonitor() as unknown as Record<
      'registerResource' | 'readResource',
      (request: RegisterResourceRequest, done: Answered) => unknown
    >;
    const register = monitor.registerResource.bind(monitor);
    const read = monitor.readResource.bind(monitor);
    monitor.registerResource = (request, done) => {
      registering = optionsOf(request);
      try {
        return register(request, noteUrn(done));
      } finally {
        registering = undefined;
      }
    };
    monitor.readResource = (request, done) => read(request, noteUrn(done));
  }

  /** Gives the resource `newResource` has just recorded the URN the engine answers with. */
  function noteUrn(done: Answered): Answered {
    const recorded = resources.length;
    return (err, response) => {
      const resource = resources[recorded];
      if (resource && response) resource.urn = response.getUrn();
      done(err, response);
    };
  }

  return { mocks, resources, calls, watch };
}

export interface MockSetup extends RecordingOptions {
  /** Pulumi project: mocks run under it and config keys are namespaced with it. */
  project: string;
  stack?: string;
  organization?: string;
  /** Stack configuration without the project prefix (lists and maps as JSON text). */
  config?: Record<string, string>;
}

export interface Mocked extends Recording {
  /** Names of the resource hooks the program registered. */
  hooks: string[];
}

/** Installs recording mocks for `project`, accepts resource hooks and sets the stack configuration. */
export async function startMocks(setup: MockSetup): Promise<Mocked> {
  const recording = recordingMocks(setup);
  await pulumi.runtime.setMocks(
    recording.mocks,
    setup.project,
    setup.stack ?? 'test',
    false,
    setup.organization,
  );
  recording.watch();
  const hooks = recordResourceHooks();
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(setup.config ?? {}).map(([key, value]) => [`${setup.project}:${key}`, value]),
    ),
  );
  return { ...recording, hooks };
}
