import { defineConfig } from 'vitest/config';

// The reliability suites keep both cores busy for seconds (a 500,000-row query, 100
// train/abort cycles, killed savers) and measure latencies themselves: they run after
// everything else, one file at a time (in one process), so that they neither disturb the
// other suites' event-loop measurements nor measure another suite's load as their own.
const EXCLUSIVE = ['test/integration/reliability-*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60000,
    hookTimeout: 60000,
    // Integration tests train on native threads; two files at a time is what 2 cores allow.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: {
          name: 'suites',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/types/**/*.test.ts'],
          exclude: EXCLUSIVE,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'reliability',
          include: EXCLUSIVE,
          sequence: { groupOrder: 1 },
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
