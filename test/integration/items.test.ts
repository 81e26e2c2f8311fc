import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ItemEmbeddings, loadModel, trainItems, type Item } from '../../lib/index';
import { rng } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-items-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const base = { dim: 32, epochs: 5, threads: 1, window: 3, seed: 1 } as const;

/** Sessions of one planted group each: `groups` groups of `size` items named "g:i". */
function groupSessions(seed: number, count: number, groups: number, size: number): Item[][] {
  const r = rng(seed);
  return Array.from({ length: count }, () => {
    const g = Math.floor(r() * groups);
    return Array.from({ length: 8 }, () => `${g}:${Math.floor(r() * size)}`);
  });
}

describe('trainItems', () => {
  it("puts each item's neighbours in its planted group (sequence mode, string items)", async () => {
    const m = await trainItems(groupSessions(1, 3000, 5, 20), base);
    expect(m.size).toBe(100);
    let inGroup = 0;
    for (let g = 0; g < 5; g++) {
      for (let i = 0; i < 20; i++) {
        const nb = m.similar(`${g}:${i}`, { topK: 10 });
        expect(nb.map((x) => x.item)).not.toContain(`${g}:${i}`);
        inGroup += nb.filter((x) => String(x.item).startsWith(`${g}:`)).length;
      }
    }
    expect(inGroup / 1000).toBeGreaterThan(0.95);
  });

  it('takes integer items, async iterables and functions returning a fresh iterable per pass', async () => {
    const sessions = groupSessions(2, 2000, 3, 10).map((s) => s.map((x) => {
      const [g, i] = String(x).split(':').map(Number);
      return g! * 100 + i!;
    }));
    async function* asyncSource(): AsyncGenerator<number[]> {
      for (const s of sessions) yield s;
    }
    let passes = 0;
    const fromFunction = await trainItems(() => {
      passes++;
      return sessions;
    }, { ...base, epochs: 3 });
    expect(passes).toBe(4);  // the count pass and one per epoch
    const fromAsync = await trainItems(asyncSource(), { ...base, epochs: 3 });
    for (const m of [fromFunction, fromAsync]) {
      expect(typeof m.items[0]).toBe('number');
      expect(m.has(205)).toBe(true);
      expect(m.has('205')).toBe(false);
      const nb = m.similar(205, { topK: 5 }).map((x) => Math.floor(Number(x.item) / 100));
      expect(nb).toEqual([2, 2, 2, 2, 2]);
    }
  });

  it("'set' pairs every item of a basket with every other, whatever the distance", async () => {
    // Item a_k and b_k always share a basket, at its two ends, with 28 random fillers between.
    const r = rng(3);
    const baskets: Item[][] = [];
    for (let n = 0; n < 3000; n++) {
      const k = Math.floor(r() * 20);
      baskets.push([`a${k}`, ...Array.from({ length: 28 }, () => `f${Math.floor(r() * 400)}`), `b${k}`]);
    }
    const rankOfPartner = (m: ItemEmbeddings): number =>
      mean(Array.from({ length: 20 }, (_, k) => m.similar(`a${k}`, { topK: m.size }).findIndex((x) => x.item === `b${k}`)));
    const set = await trainItems(baskets, { ...base, mode: 'set', epochs: 3 });
    const sequence = await trainItems(baskets, { ...base, mode: 'sequence', window: 2, epochs: 3 });
    expect(rankOfPartner(set)).toBeLessThan(2);
    expect(rankOfPartner(sequence)).toBeGreaterThan(20);
  });

  it('trains a session of 100,000 items in full (no length cap)', async () => {
    // One long session; only in its last 1,998 positions do triples p_k c_k q_k occur, so
    // p_k and q_k share the context c_k only if the session's tail is trained.
    const r = rng(4);
    const session: Item[] = [];
    for (let i = 0; i < 98002; i++) session.push(`x${Math.floor(r() * 500)}`);
    for (let i = 0; i < 666; i++) {
      const k = Math.floor(r() * 50);
      session.push(`p${k}`, `c${k}`, `q${k}`);
    }
    expect(session.length).toBe(100000);
    const m = await trainItems([session], { ...base, window: 1, epochs: 20 });
    expect(m.model.trainingStats!.epochs.map((e) => e.words)).toEqual(new Array(20).fill(100000));
    const rank = mean(Array.from({ length: 50 }, (_, k) => m.similar(`p${k}`, { topK: m.size }).findIndex((x) => x.item === `q${k}`)));
    expect(rank).toBeLessThan(3);
  });

  it('global context pulls the items of a sequence toward its booked item', async () => {
    // Sessions of group g click items of g, and book h(g+1), which they never click.
    const r = rng(5);
    const sessions: (Item[] & { booked?: string })[] = [];
    for (let n = 0; n < 3000; n++) {
      const g = Math.floor(r() * 3);
      const s: Item[] & { booked?: string } = Array.from({ length: 8 }, () => `${g}:${Math.floor(r() * 20)}`);
      if (r() < 0.3) s.push(`h${g}`);
      s.booked = `h${(g + 1) % 3}`;
      sessions.push(s);
    }
    const bookedRank = (m: ItemEmbeddings): number =>
      mean(sessions.slice(0, 200).map((s) => m.recommend(s, { topK: m.size, candidates: 'output', metric: 'dot' }).findIndex((x) => x.item === s.booked)));
    const affinity = (m: ItemEmbeddings): number => {
      // Mean input(item) . output(booked item) over the items of each group.
      const out: number[] = [];
      for (let g = 0; g < 3; g++) {
        const booked = m.outputVector(`h${(g + 1) % 3}`)!;
        for (let i = 0; i < 20; i++) {
          const v = m.vector(`${g}:${i}`)!;
          out.push(v.reduce((s, x, d) => s + x * booked[d]!, 0));
        }
      }
      return mean(out);
    };
    const without = await trainItems(sessions, base);
    const withContext = await trainItems(sessions, { ...base, globalContext: (s) => (s as { booked?: string }).booked });
    expect(bookedRank(withContext)).toBeLessThan(1);
    expect(bookedRank(without)).toBeGreaterThan(5);
    expect(affinity(withContext)).toBeGreaterThan(affinity(without) + 1);
  });

  it("in-group negatives separate the members of one market's sub-types", async () => {
    // 4 markets, each with two sub-types; a session stays in one market and mostly in one sub-type.
    const r = rng(6);
    const sessions: Item[][] = [];
    for (let n = 0; n < 4000; n++) {
      const market = Math.floor(r() * 4);
      const type = r() < 0.5 ? 0 : 1;
      sessions.push(Array.from({ length: 8 }, () => `${market}/${r() < 0.7 ? type : 1 - type}/${Math.floor(r() * 15)}`));
    }
    const precision = (m: ItemEmbeddings): number => {
      const p: number[] = [];
      for (let market = 0; market < 4; market++) {
        for (const type of [0, 1]) {
          for (let i = 0; i < 15; i++) {
            const nb = m.similar(`${market}/${type}/${i}`, { topK: 14 });
            p.push(nb.filter((x) => String(x.item).startsWith(`${market}/${type}/`)).length / 14);
          }
        }
      }
      return mean(p);
    };
    const without = await trainItems(sessions, base);
    const withGroups = await trainItems(sessions, { ...base, group: (item) => String(item).split('/')[0] });
    expect(precision(withGroups)).toBeGreaterThan(0.93);
    expect(precision(withGroups)).toBeGreaterThan(precision(without) + 0.08);
  });

  it('refuses bad options and sequences with messages naming them', async () => {
    const ok = [['a', 'b']];
    await expect(trainItems(ok, { mode: 'bag' as never })).rejects.toThrow('mode must be "sequence" or "set", got "bag"');
    await expect(trainItems(ok, { model: 'cbow' } as never)).rejects.toThrow('option "model" does not apply to trainItems');
    await expect(trainItems(ok, { groupNegative: 3 })).rejects.toThrow('groupNegative needs the group option');
    await expect(trainItems(ok, { group: 'market' as never })).rejects.toThrow('group must be a function, got "market"');
    await expect(trainItems(ok, { dim: 0 })).rejects.toThrow('dim must be an integer in [1, 10000], got 0');
    await expect(trainItems(ok, { colour: 1 } as never)).rejects.toThrow('unknown option "colour"');
    await expect(trainItems(42 as never)).rejects.toThrow('sequences must be an iterable');
    await expect(trainItems([['a', 1.5]])).rejects.toThrow('item 1 of sequence 0 must be a non-empty string or an integer, got 1.5');
    await expect(trainItems([['a'], 'ab' as never])).rejects.toThrow('sequence 1 must be an array of items, got "ab"');
    await expect(trainItems([])).rejects.toThrow('the sequences hold no items (0 sequences)');
    await expect(trainItems([['a', 'b']], { minCount: 2 })).rejects.toThrow('no item occurs at least minCount (2) times (2 distinct items)');
    await expect(trainItems(ok, { globalContext: () => ({}) as never })).rejects.toThrow('globalContext of sequence 0 must be a non-empty string or an integer');
  });

  it('stops on abort with an AbortError', async () => {
    const controller = new AbortController();
    const sessions = groupSessions(7, 20000, 5, 200);
    const p = trainItems(sessions, { ...base, epochs: 50, threads: 2 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(p).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });
});

describe('recommend and coldStart', async () => {
  const m = await trainItems(groupSessions(8, 3000, 4, 15), base);

  it('recommends from the history\'s group, leaving the history and `exclude` out', () => {
    const history = ['2:1', '2:4', '2:9'];
    const recs = m.recommend(history, { topK: 8, exclude: ['2:0', 'not-an-item'] });
    expect(recs).toHaveLength(8);
    for (const r of recs) {
      expect(String(r.item).startsWith('2:')).toBe(true);
      expect([...history, '2:0']).not.toContain(r.item);
    }
    const scores = recs.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('recency weighting: a short half-life follows the most recent items', () => {
    const history = ['0:1', '0:2', '0:3', '0:4', '3:5'];
    const flat = m.recommend(history, { topK: 5 });
    const recent = m.recommend(history, { topK: 5, recencyHalfLife: 0.25 });
    expect(flat.filter((r) => String(r.item).startsWith('0:')).length).toBeGreaterThanOrEqual(4);
    expect(recent.filter((r) => String(r.item).startsWith('3:')).length).toBeGreaterThanOrEqual(4);
  });

  it("metric 'dot' and output-vector candidates rank by raw inner products", () => {
    const history = ['1:1', '1:2'];
    const user = m.vector('1:1')!.map((x, d) => (x + m.vector('1:2')![d]!) / 2);
    for (const candidates of ['input', 'output'] as const) {
      const recs = m.recommend(history, { topK: 3, metric: 'dot', candidates });
      for (const r of recs) {
        const v = candidates === 'input' ? m.vector(r.item)! : m.outputVector(r.item)!;
        expect(r.score).toBeCloseTo(v.reduce((s, x, d) => s + x * user[d]!, 0), 4);
      }
    }
  });

  it('coldStart: the mean of the neighbours, near their group', () => {
    const v = m.coldStart(['3:1', '3:2', 'unknown']);
    const a = m.vector('3:1')!;
    const b = m.vector('3:2')!;
    v.forEach((x, d) => expect(x).toBeCloseTo((a[d]! + b[d]!) / 2, 6));
    const nearest = m.model.mostSimilar(v, { topK: 5 });
    expect(nearest.every((x) => x.word.startsWith('3:'))).toBe(true);
    const weighted = m.coldStart(['3:1', '3:2'], { weights: [3, 1] });
    weighted.forEach((x, d) => expect(x).toBeCloseTo((3 * a[d]! + b[d]!) / 4, 6));
    expect(() => m.coldStart(['nope'])).toThrow('coldStart needs at least one known neighbour');
    expect(() => m.recommend(['nope'])).toThrow('history has no known item (1 items given)');
    expect(() => m.similar('nope')).toThrow('item not in the vocabulary: "nope"');
  });

  it('saves and loads back as item embeddings', async () => {
    const path = join(work, 'items.bin');
    await m.model.save(path);
    const back = ItemEmbeddings.fromModel(await loadModel(path));
    expect(back.items).toEqual(m.items);
    expect(back.similar('1:3', { topK: 3 }).map((x) => x.item)).toEqual(m.similar('1:3', { topK: 3 }).map((x) => x.item));
    expect(() => ItemEmbeddings.fromModel(back.model, { itemType: 'number' })).toThrow('is not an integer');
  });
});
