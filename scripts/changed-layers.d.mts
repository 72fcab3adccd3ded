// Types of scripts/changed-layers.mjs for the TypeScript tests that use it.
export interface RolloutConfig {
  mode: 'workflow' | 'deployments';
  inputs: Record<'infra' | 'cluster' | 'app', string[]>;
  shared: string[];
  ignored: string[];
}
export function globToRegExp(glob: string): RegExp;
export function layersToUpdate(
  config: RolloutConfig,
  changed: string[] | undefined,
): Record<'infra' | 'cluster' | 'app' | 'image', boolean>;
export function readConfig(file?: URL | string): RolloutConfig;
