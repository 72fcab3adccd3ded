export { declared, dependenciesOf, named, ofType, one, policyResources, urnName } from './find';
export { mockHookRuntime, recordResourceHooks } from './hooks';
export { resolveOutput, settle } from './outputs';
export { type ProgramRun, type ProgramSetup, runProgram } from './program';
export {
  type HookBindings,
  type Mocked,
  type MockSetup,
  type RecordedOptions,
  type RecordedResource,
  type Recording,
  type RecordingOptions,
  recordingMocks,
  startMocks,
} from './recorder';
export { isSecret, isSecretInput, type Json, unwrapSecrets } from './secrets';
