import { defineConfig } from 'vitest/config';

// Suites that measure latencies (event-loop delay, abort latency), and the reliability suites,
// which also keep both cores busy for seconds (a 500,000-row query, 100 train/abort cycles,
// killed savers), run after everything else, one file at a time (in one process): measured
// beside another suite, a delay counts that suite's load as much as this package's behaviour
// (train.test.ts's event-loop cases sat at 20-26 ms beside the CLI suite, 9-15 ms alone).
const EXCLUSIVE = ['test/integration/reliability-*.test.ts', 'test/integration/train.test.ts'];

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
          name: 'exclusive',
          include: EXCLUSIVE,
          sequence: { groupOrder: 1 },
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
