import { defineConfig } from 'vitest/config';

import EveryFileRan from './test/reporters/every-file-ran';

// Order of the groups: the property suites (fast-check) first, on their own, since they keep
// both workers busy for a few seconds; then the other suites; then the suites that measure
// latencies (event-loop delay, abort latency) and the reliability suites, which also keep both
// cores busy (a 500,000-row query, 100 train/abort cycles, killed savers), one file at a time
// in one process: measured beside another suite, a delay counts that suite's load as much as
// this package's behaviour (train.test.ts's event-loop cases sat at 20-26 ms beside the CLI
// suite, 9-15 ms alone).
const EXCLUSIVE = ['test/integration/reliability-*.test.ts', 'test/integration/train.test.ts'];

export default defineConfig({
  test: {
    // A file that was scheduled and did not run fails the run, named (see the reporter).
    reporters: ['default', new EveryFileRan()],
    testTimeout: 60000,
    hookTimeout: 60000,
    // Integration tests train on native threads; two files at a time is what 2 cores allow.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        extends: true,
        test: { name: 'property', include: ['test/property/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'suites',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/types/**/*.test.ts'],
          exclude: EXCLUSIVE,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'exclusive',
          include: EXCLUSIVE,
          sequence: { groupOrder: 2 },
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
