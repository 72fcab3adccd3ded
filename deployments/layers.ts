export type LayerKey = 'infra' | 'cluster' | 'app';

export interface Layer {
  key: LayerKey;
  /** Pulumi project name, as in the layer's Pulumi.yaml. */
  project: string;
  /** Folder holding the layer's Pulumi.yaml, relative to the repository root. */
  repoDir: string;
  /** A push to the branch touching these paths deploys the layer (when deployCommits is on). */
  paths: string[];
  deployCommits: boolean;
}

/**
 * Files every layer's program depends on besides its own folder: the workspace's lockfile and manifests, the
 * shared compiler options, the stack configuration reader every program imports and the policy pack that
 * checks each update.
 */
export const sharedPaths: readonly string[] = [
  'package.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'tsconfig.base.json',
  'lib/stack-config/**',
  'policy/**',
];

/**
 * The three layer stacks in deployment order. The app layer does not deploy on push: the image a push
 * produces only exists once CI has tested and published it, so CI starts that deployment itself, with the
 * image digest, and the stack deploys exactly once per push.
 */
export const layers: readonly Layer[] = [
  {
    key: 'infra',
    project: 'cloudops-crm-infra',
    repoDir: 'infra',
    paths: ['infra/**', ...sharedPaths],
    deployCommits: true,
  },
  {
    key: 'cluster',
    project: 'cloudops-crm-cluster',
    repoDir: 'cluster',
    paths: ['cluster/**', ...sharedPaths],
    deployCommits: true,
  },
  {
    key: 'app',
    project: 'cloudops-crm-app',
    repoDir: 'app/deploy',
    paths: ['app/**', ...sharedPaths],
    deployCommits: false,
  },
];
