import { defineConfig } from 'vitest/config';

// One test project per workspace package; each package keeps its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['app/*/vitest.config.ts', '{infra,cluster,policy,deployments}/vitest.config.ts'],
  },
});
