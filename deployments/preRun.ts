/** Every command starts from the repository root: Deployments starts them in the layer's folder. */
const fromRoot = (command: string) => `cd "$(git rev-parse --show-toplevel)" && ${command}`;

/**
 * What Pulumi Deployments runs before each operation, on its runner image (`pulumi/pulumi`): Node.js is managed
 * by fnm (default 24.x) and corepack is enabled, so `pnpm` is already a corepack link there — a global
 * `npm install pnpm` fails on it with EEXIST. Node.js is pinned to the repository's .node-version and pnpm comes
 * through corepack at the root package.json's `packageManager` version, the same releases as everywhere else.
 * The default install step is skipped (a plain install in the layer folder); this is a pnpm workspace.
 */
export function preRunCommands(extra: readonly string[] = []): string[] {
  return [
    fromRoot('fnm install "$(cat .node-version)" && fnm default "$(cat .node-version)"'),
    fromRoot('corepack enable && corepack install'),
    fromRoot('pnpm install --frozen-lockfile'),
    ...extra.map(fromRoot),
  ];
}
