// The benches' one seeded generator, so generated data, splits and queries are the same on
// every run: the package's own mulberry32 (lib/plot/random.ts), from the build every bench
// already needs.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** mulberry32: uniform floats in [0, 1) from a 32-bit seed. */
export const mulberry32 = require('../../dist/cjs/plot/random.js').seededRandom;
