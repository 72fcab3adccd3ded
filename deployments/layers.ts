export type LayerKey = 'infra' | 'cluster' | 'app';

export interface Layer {
  key: LayerKey;
  /** Pulumi project name, as in the layer's Pulumi.yaml. */
  project: string;
  /** Folder holding the layer's Pulumi.yaml, relative to the repository root. */
  repoDir: string;
}

/**
 * The three layer stacks in deployment order. None deploys on a push by itself: the CI/CD workflow starts each
 * update, after the tests passed, for the layers a push changed (deployments/rollout.json), once and in this order.
 */
export const layers: readonly Layer[] = [
  { key: 'infra', project: 'cloudops-crm-infra', repoDir: 'infra' },
  { key: 'cluster', project: 'cloudops-crm-cluster', repoDir: 'cluster' },
  { key: 'app', project: 'cloudops-crm-app', repoDir: 'app/deploy' },
];
