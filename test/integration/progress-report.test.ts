/**
 * train()'s vocabulary phase ends with a report of the whole count (the demo prints it), for
 * a file counted in native code and for a corpus fed from JS.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { train, type Progress } from '../../lib/index';

const LINE = 'the cat sat on the mat with the dog and a bird\n';
const LINES = 5000;
const TOKENS = 12 * LINES;

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'w2v-progress-report-'));
  await writeFile(join(work, 'corpus.txt'), LINE.repeat(LINES));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** The vocabulary phase's reports. */
async function countingReports(corpus: string | string[]): Promise<Progress[]> {
  const reports: Progress[] = [];
  // progressInterval at its maximum: only reports that are forced come through.
  await train(corpus, { dim: 4, epochs: 1, threads: 2, minCount: 1, progressInterval: 3_600_000 }, {
    onProgress: (p) => reports.push({ ...p }),
  });
  return reports.filter((p) => p.phase === 'vocabulary');
}

describe('the vocabulary phase', () => {
  it('a file: the last report has every token', async () => {
    const reports = await countingReports(join(work, 'corpus.txt'));
    expect(reports.at(-1)!.wordsDone).toBe(TOKENS);
  });

  it('an array of lines: the last report has every token', async () => {
    const reports = await countingReports(Array.from({ length: LINES }, () => LINE.trim()));
    expect(reports.at(-1)!.wordsDone).toBe(TOKENS);
  });
});
