/**
 * `w2v index build` and `w2v index query`, run in this process (runCliInProcess: lib/cli's
 * main, its exit code and output) on a model with planted clusters (seeded, 3,000 x 16)
 * written with model.save: the summary, the TSV lines against model.mostSimilar, and the exit
 * codes and messages of bad command lines (2) and bad files or words (1).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadModel, type Word2Vec } from '../../lib/index';
import { runCliInProcess as w2v } from '../helpers';
import { plantedModel } from './recall-index-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-recall-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SIZE = 3000;
const { model } = plantedModel(SIZE, 16, 71);
const binary = join(work, 'model.bin');
const native = join(work, 'model.native');
const indexFile = join(work, 'model.idx');
const WORDS = Array.from({ length: 20 }, (_, i) => `w${i * 131}`);
let saved: Word2Vec;

beforeAll(async () => {
  await model.save(binary);
  await model.save(native, { format: 'native' });
  saved = await loadModel(binary);
});

/** The TSV lines of a query's output, split into fields. */
const lines = (stdout: string): string[][] => stdout.trim().split('\n').map((l) => l.split('\t'));

describe('w2v index build', () => {
  it('builds an index file and prints a summary line', async () => {
    const r = await w2v('index', 'build', binary, '-output', indexFile, '-threads', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(indexFile)).toBe(true);
    expect(statSync(indexFile).size).toBeGreaterThan(SIZE * 16 * 4);
    expect(r.stdout).toMatch(new RegExp(`^${SIZE} input vectors of dimension 16 \\(cosine, f32, connectivity 16\\) -> ${indexFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in [\\d.]+ s, [\\d.]+ MiB in memory\\n$`));
    expect(r.stderr).toMatch(/Indexing: 100\.0%/);
  });

  it('takes the output vectors of a native model, the metric, quantization and graph flags', async () => {
    const out = join(work, 'output.idx');
    const r = await w2v('index', 'build', native, '-output', out, '-vectors', 'output', '-quantization', 'i8', '-connectivity', '8', '-expansion-add', '32', '-expansion-search', '100');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^3000 output vectors of dimension 16 \(dot, i8, connectivity 8\) -> /);
    const cosine = await w2v('index', 'build', native, '-output', join(work, 'output-cos.idx'), '-vectors', 'output', '-metric', 'cosine');
    expect(cosine.stdout).toMatch(/output vectors of dimension 16 \(cosine, f32/);
    const transform = await w2v('index', 'build', native, '-output', join(work, 'output-transform.idx'), '-vectors', 'output', '-dot-transform', '1');
    expect(transform.code, transform.stderr).toBe(0);
    expect(transform.stdout).toMatch(/output vectors of dimension 16 \(dot through the dot transform, f32/);
  });

  it('-vectors output on a model without output vectors: exit 1, says so', async () => {
    const r = await w2v('index', 'build', binary, '-output', join(work, 'none.idx'), '-vectors', 'output');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^w2v index: this model has no output vectors/);
    expect(existsSync(join(work, 'none.idx'))).toBe(false);
  });

  it('bad command lines exit 2 naming the problem: no -output, an unknown flag, a bad choice, no MODEL', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['index', 'build', binary], /-output FILE is required/],
      [['index', 'build', binary, '-output', join(work, 'x.idx'), '-bogus', '1'], /unknown flag "-bogus"/],
      [['index', 'build', binary, '-output', join(work, 'x.idx'), '-metric', 'euclid'], /-metric must be one of cosine, dot, got "euclid"/],
      [['index', 'build', binary, '-output', join(work, 'x.idx'), '-quantization', 'f8'], /-quantization must be one of f32, f16, i8, got "f8"/],
      [['index', 'build', binary, '-output', join(work, 'x.idx'), '-connectivity', 'many'], /-connectivity must be an integer, got "many"/],
      [['index', 'build', '-output', join(work, 'x.idx')], /expected one MODEL argument, got 0/],
      [['index', 'build', binary, '-output', work], /is a directory/],
    ];
    for (const [args, message] of cases) {
      const r = await w2v(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(work, 'x.idx'))).toBe(false);
  });

  it('out-of-range values exit 1 naming them; a missing model exits 1 naming it', async () => {
    const connectivity = await w2v('index', 'build', binary, '-output', join(work, 'y.idx'), '-connectivity', '1');
    expect(connectivity.code).toBe(1);
    expect(connectivity.stderr).toMatch(/connectivity must be an integer in \[2, 256\], got 1/);
    const missing = await w2v('index', 'build', join(work, 'no-model.bin'), '-output', join(work, 'y.idx'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-model.bin');
  });

  it('w2v index alone exits 2 with the usage; build --help exits 0 listing every flag', async () => {
    const bare = await w2v('index');
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/Usage: w2v index build MODEL -output FILE/);
    expect(bare.stderr).toMatch(/expected build or query/);
    const unknown = await w2v('index', 'rebuild');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown index command "rebuild"/);
    const help = await w2v('index', 'build', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['-output', '-vectors', '-metric', '-quantization', '-connectivity', '-expansion-add', '-expansion-search', '-threads']) {
      expect(help.stdout).toMatch(new RegExp(`\\t${flag} `));
    }
    const queryHelp = await w2v('index', 'query', '--help');
    expect(queryHelp.code).toBe(0);
    for (const flag of ['-words', '-k', '-view', '-expansion-search']) expect(queryHelp.stdout).toMatch(new RegExp(`\\t${flag} `));
  });
});

describe('w2v index query', () => {
  beforeAll(async () => {
    if (!existsSync(indexFile)) expect((await w2v('index', 'build', binary, '-output', indexFile, '-threads', '1')).code).toBe(0);
  });

  it('prints k TSV lines per word (word, rank, neighbour, score): the neighbours of model.mostSimilar', async () => {
    const r = await w2v('index', 'query', indexFile, binary, '-words', WORDS.join(','), '-k', '3');
    expect(r.code, r.stderr).toBe(0);
    const rows = lines(r.stdout);
    expect(rows).toHaveLength(3 * WORDS.length);
    let same = 0;
    WORDS.forEach((word, w) => {
      const mine = rows.slice(3 * w, 3 * w + 3);
      const exact = saved.mostSimilar(word, { topK: 3 });
      mine.forEach((fields, i) => {
        expect(fields).toHaveLength(4);
        expect(fields[0]).toBe(word);
        expect(fields[1]).toBe(String(i + 1));
        expect(fields[3]).toMatch(/^-?\d+\.\d{6}$/);
        expect(Math.abs(Number(fields[3]) - saved.similarity(word, fields[2]!))).toBeLessThan(2e-6);
      });
      if (mine.map((f) => f[2]).join() === exact.map((e) => e.word).join()) same++;
    });
    expect(same).toBeGreaterThanOrEqual(WORDS.length - 2);
  });

  it('-view 1 and -expansion-search give the same lines here; -k defaults to 10', async () => {
    const plain = await w2v('index', 'query', indexFile, binary, '-words', 'w5,w6');
    expect(plain.code).toBe(0);
    expect(lines(plain.stdout)).toHaveLength(20);
    const viewed = await w2v('index', 'query', indexFile, binary, '-words', 'w5,w6', '-view', '1', '-expansion-search', '200');
    expect(viewed.code).toBe(0);
    expect(viewed.stdout).toBe(plain.stdout);
  });

  it('an unknown word exits 1 naming it', async () => {
    const r = await w2v('index', 'query', indexFile, binary, '-words', 'w1,no-such-word', '-k', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/word not in the model: "no-such-word"/);
  });

  it('a truncated index file, an index of another model: exit 1 with the reason', async () => {
    const truncated = join(work, 'truncated.idx');
    writeFileSync(truncated, readFileSync(indexFile).subarray(0, 5000));
    const r = await w2v('index', 'query', truncated, binary, '-words', 'w1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated/);
    expect(r.stderr).toContain('truncated.idx');
    const other = join(work, 'other.bin');
    await plantedModel(SIZE, 16, 72).model.save(other);
    const mismatch = await w2v('index', 'query', indexFile, other, '-words', 'w1');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/fingerprint/);
  });

  it('bad command lines exit 2: no -words, one file argument, an unknown flag, -k 0', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['index', 'query', indexFile, binary], /-words a,b,c is required/],
      [['index', 'query', indexFile, '-words', 'w1'], /expected FILE and MODEL, got 1/],
      [['index', 'query', indexFile, binary, '-words', 'w1', '-topk', '3'], /unknown flag "-topk"/],
      [['index', 'query', indexFile, binary, '-words', 'w1', '-k', '0'], /-k must be a positive integer, got 0/],
      [['index', 'query', indexFile, binary, '-words', 'w1', '-view', '2'], /-view must be 0 or 1, got "2"/],
    ];
    for (const [args, message] of cases) {
      const r = await w2v(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
