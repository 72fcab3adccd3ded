import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';
import { settle } from './outputs';
import { type MockSetup, type RecordedResource, startMocks } from './recorder';
import type { Json } from './secrets';

export interface ProgramSetup<M> extends MockSetup {
  /** Imports the program, e.g. `() => import('../index.js')`. */
  program: () => Promise<M>;
}

export interface ProgramRun<M> {
  /** The program's module, as imported. */
  program: M;
  resources: RecordedResource[];
  calls: pulumi.runtime.MockCallArgs[];
  /** Names of the resource hooks the program registered. */
  hooks: string[];
  /** Every export, resolved. */
  outputs: Record<string, Json>;
  /** Every export as an Output, to check secretness. */
  exports: Record<string, pulumi.Output<unknown>>;
}

/**
 * Runs a Pulumi program under recording mocks and returns once its exports have resolved and registrations have
 * stopped arriving. The Pulumi runtime is per process: runs follow one another, never overlap.
 *
 * The module registry is reset first: a program declares its resources when it is imported, so every run (in
 * the same file, or in the next file of a worker the files share) imports it afresh. The provider SDKs are plain
 * Node modules outside that registry and stay loaded.
 */
export async function runProgram<M extends object>(setup: ProgramSetup<M>): Promise<ProgramRun<M>> {
  const mocked = await startMocks(setup);
  vi.resetModules();
  const program = await setup.program();
  const exports: Record<string, pulumi.Output<unknown>> = {};
  const outputs: Record<string, Json> = {};
  for (const [name, value] of Object.entries(program)) {
    if (name === 'default') continue;
    exports[name] = pulumi.output(value);
    outputs[name] = await new Promise((resolve) => exports[name]!.apply(resolve));
  }
  await settle(() => mocked.resources.length);
  return { program, resources: mocked.resources, calls: mocked.calls, hooks: mocked.hooks, outputs, exports };
}
