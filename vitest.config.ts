import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60000,
    hookTimeout: 60000,
    // Integration tests train on native threads; two files at a time is what 2 cores allow.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        // The property suites (fast-check) keep both workers busy for a few seconds: they run
        // first, on their own, so that they never share the machine with the tests that time
        // the event loop during training.
        extends: true,
        test: { name: 'property', include: ['test/property/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/types/**/*.test.ts'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
