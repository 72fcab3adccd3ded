import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'pulumi-testing',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
