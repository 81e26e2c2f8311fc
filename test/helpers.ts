/** Helpers shared by the vitest suites. */
import { seededRandom } from '../lib/plot/random';

/** Deterministic PRNG (mulberry32, the one the plots use). */
export const rng: (seed: number) => () => number = seededRandom;

/**
 * The ids a NativeTokenCounter made with `keepIds` kept, in corpus order (-1 ending each
 * sentence), parts joined: taken with the identity as final ids, so they are its provisional ids.
 */
export async function keptIds(counter: { distinct: number; takeIds(finalId: Int32Array, narrow: boolean): Promise<Array<{ blocks: ArrayLike<number>[]; length: number }> | undefined> }): Promise<number[] | undefined> {
  const parts = await counter.takeIds(Int32Array.from({ length: counter.distinct }, (_, i) => i), false);
  if (!parts) return undefined;
  const ids: number[] = [];
  for (const { blocks, length } of parts) {
    let taken = 0;
    for (const block of blocks) for (let i = 0; i < block.length && taken < length; i++, taken++) ids.push(block[i]!);
  }
  return ids;
}
