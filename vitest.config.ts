import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/types/**/*.test.ts', 'test/property/**/*.test.ts'],
    testTimeout: 60000,
    hookTimeout: 60000,
    // Integration tests train on native threads; two files at a time is what 2 cores allow.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
