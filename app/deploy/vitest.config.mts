import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'app-deploy',
    root: __dirname,
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // The Pulumi runtime keeps its mock state per process, so each file runs in its own fork.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
