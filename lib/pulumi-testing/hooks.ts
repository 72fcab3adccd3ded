import * as pulumi from '@pulumi/pulumi';

/**
 * The mock monitor of @pulumi/pulumi (3.276 too) has no registerResourceHook, so a program that constructs one fails
 * under mocks. Call this after `setMocks`: hooks are then accepted and their names recorded in the returned array.
 */
export function recordResourceHooks(runtime: typeof pulumi.runtime = pulumi.runtime): string[] {
  const hooks: string[] = [];
  const monitor = runtime.getMonitor() as unknown as Record<string, unknown>;
  monitor.registerResourceHook = (request: { getName(): string }, done: (err: null, res: object) => void) => {
    hooks.push(request.getName());
    done(null, {});
  };
  return hooks;
}

/**
 * Echoing mocks for tests that construct resource hooks outside a program run (a hook's callback is called
 * directly): resources get their inputs as state, calls their arguments, and hooks are accepted.
 */
export async function mockHookRuntime(project: string, stack = 'dev'): Promise<string[]> {
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    project,
    stack,
  );
  return recordResourceHooks(pulumi.runtime);
}
