import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'server',
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Process and E2E suites start servers and databases; two cores are shared with the other projects.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
