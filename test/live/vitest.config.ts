import { defineConfig } from 'vitest/config';

// The live project: a local control plane (scripts/live-cluster.sh) started once for the whole project by the
// global setup, and tests that talk to it through the Kubernetes API. Timeouts are generous: the API server,
// the scheduler and kwok share two busy cores with the build and the other projects.
export default defineConfig({
  test: {
    name: 'live',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // One cluster for the project: files share it, so they run one after another.
    fileParallelism: false,
  },
});
