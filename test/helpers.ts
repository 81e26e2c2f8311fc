/** Helpers shared by the vitest suites. */
import { seededRandom } from '../lib/plot/random';

/** Deterministic PRNG (mulberry32, the one the plots use). */
export const rng: (seed: number) => () => number = seededRandom;
