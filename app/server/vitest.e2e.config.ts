import { defineConfig } from 'vitest/config';

/** The HTTP suite alone, against E2E_BASE_URL: no database or bundle is started here. */
export default defineConfig({
  test: {
    name: 'server-e2e',
    include: ['test/e2e/remote.e2e.ts'],
    testTimeout: 30_000,
  },
});
