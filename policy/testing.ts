import type * as pulumi from '@pulumi/pulumi';
import type { EvaluatedResource } from './evaluate';

export interface RecordingMocksOptions {
  /** Extra output properties for a registered resource (merged over its inputs), e.g. a remote component's outputs. */
  outputs?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Results of provider function calls (data sources); defaults to an empty object. */
  call?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}

export interface RecordingMocks {
  mocks: pulumi.runtime.Mocks;
  /** Every resource registered so far, with the inputs the program gave it. */
  resources: EvaluatedResource[];
}

/**
 * Mocks for `pulumi.runtime.setMocks` that echo inputs back as outputs and record every registration, so a
 * test can run the program and then hand `resources` to `evaluatePolicies`. Only types are imported from
 * @pulumi/pulumi: the caller's own copy of the runtime is the one that gets mocked.
 */
export function recordingMocks(options: RecordingMocksOptions = {}): RecordingMocks {
  const resources: EvaluatedResource[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, props: args.inputs as Record<string, unknown> });
      const extra = options.outputs?.(args) ?? {};
      // A new resource arrives with an empty import id; an empty id would read as unknown.
      const id = args.id || `${args.name}-id`;
      return { id, state: { ...args.inputs, ...extra } };
    },
    call(args) {
      return options.call?.(args) ?? {};
    },
  };
  return { mocks, resources };
}

/**
 * The mock monitor of @pulumi/pulumi 3.248 cannot register resource hooks, so a program that attaches one (the
 * cluster layer's load balancer cleanup) fails under mocks. Call this after `setMocks`, passing the caller's
 * `pulumi.runtime`: hooks are then accepted and their names recorded in the returned array.
 */
export function recordResourceHooks(runtime: typeof pulumi.runtime): string[] {
  const hooks: string[] = [];
  const monitor = runtime.getMonitor() as unknown as Record<string, unknown>;
  monitor.registerResourceHook = (request: { getName(): string }, done: (err: null, res: object) => void) => {
    hooks.push(request.getName());
    done(null, {});
  };
  return hooks;
}
