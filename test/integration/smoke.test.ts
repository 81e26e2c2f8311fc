import { describe, expect, it } from 'vitest';
import { train } from '../../lib/index';

describe('smoke', () => {
  it('trains on token arrays', async () => {
    const corpus = Array.from({ length: 2000 }, (_, i) => ['a', 'b', 'c', 'd', 'e'].map((w) => w + (i % 3)));
    const m = await train(corpus, { dim: 8, epochs: 1, threads: 1, minCount: 1 });
    expect(m.size).toBe(15);
  });
});
