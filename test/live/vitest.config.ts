import { defineConfig } from 'vitest/config';

// The live project: a local control plane (scripts/live-cluster.sh) started once for the whole project by the
// global setup, and tests that talk to it through the Kubernetes API. Timeouts are generous: the API server,
// the scheduler, kwok and the Pulumi engine share two busy cores with the build and the other projects, and one
// step (`pulumi up` of the whole platform) takes half a minute on an idle machine and several times that on a busy
// one. They only bound a hung step; what each step must achieve is asserted, not how fast.
export default defineConfig({
  test: {
    name: 'live',
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./global-setup.ts'],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    // One cluster for the project: files share it, so they run one after another.
    fileParallelism: false,
  },
});
