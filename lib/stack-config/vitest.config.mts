import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'stack-config',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
