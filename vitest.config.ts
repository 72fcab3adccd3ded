import { defineConfig } from 'vitest/config';

// One test project per workspace package, each with its own config (.mts in the CommonJS Pulumi packages).
export default defineConfig({
  test: {
    projects: [
      'app/*/vitest.config.{ts,mts}',
      '{infra,cluster,policy,deployments}/vitest.config.{ts,mts}',
      'lib/*/vitest.config.{ts,mts}',
      // The live cluster (scripts/live-cluster.sh) and the real Pulumi engine: test/live/global-setup.ts.
      'test/live/vitest.config.ts',
    ],
  },
});
