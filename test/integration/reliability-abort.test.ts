/**
 * Cancellation: abort() stops training within 200 ms (from abort() to the rejection), also
 * inside a single huge sentence or item set; the rejection is an AbortError; the native
 * threads are joined and the weights freed; 100 train/abort cycles leave RSS flat.
 *
 * The bound is the requirement, measured on a long training; on this 2-core machine,
 * shared with other jobs, the worst of 10 was usually 10 to 60 ms (bench/reliability.mjs
 * prints the figure).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { train, trainItems, type Progress, type TrainControl } from '../../lib/index';
import { rng } from '../helpers';
import { IS_LINUX, rejection, runChild, threadCount, threadsBackTo } from './reliability-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-reliability-abort-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMIT_MS = 200;

/**
 * Runs `start` with a signal, aborts `delayMs` after its training phase begins, and returns
 * the milliseconds from abort() to the rejection, and the error.
 */
async function abortLatency(
  start: (control: TrainControl) => Promise<unknown>,
  delayMs: number,
): Promise<{ ms: number; error: Error }> {
  const controller = new AbortController();
  let abortedAt = 0;
  let began = false;
  const running = start({
    signal: controller.signal,
    onProgress: (p: Progress) => {
      if (p.phase !== 'training' || began) return;
      began = true;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, delayMs);
    },
  });
  const error = await rejection(running);
  expect(abortedAt, 'the training ended before the abort').toBeGreaterThan(0);
  return { ms: performance.now() - abortedAt, error };
}

describe('abort latency', () => {
  let file: string;
  beforeAll(() => {
    const r = rng(3);
    file = join(work, 'long.txt');
    writeFileSync(file, Array.from({ length: 40_000 }, () => Array.from({ length: 15 }, () => `w${Math.floor(r() * 2000)}`).join(' ')).join('\n') + '\n');
  });

  // May run 3 times: the latency counts the time the event-loop thread waits for a core, which
  // other jobs on a loaded 2-core machine stretch now and then (290 ms once, with another
  // heavy suite beside this one); an abort that waited for the training would fail each time.
  it(`10 aborts at random moments of a long training: each an AbortError within ${LIMIT_MS} ms`, { retry: 2 }, async () => {
    const r = rng(11);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { ms, error } = await abortLatency(
        (control) => train(file, { dim: 100, epochs: 100, minCount: 1, threads: 2, progressInterval: 5 }, control),
        Math.floor(r() * 300),
      );
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('AbortError');
      latencies.push(ms);
    }
    console.log(`abort latency over 10 runs: max ${Math.max(...latencies).toFixed(1)} ms (${latencies.map((x) => x.toFixed(1)).join(', ')})`);
    expect(Math.max(...latencies)).toBeLessThan(LIMIT_MS);
  });

  // The kernels look at the cancel flag every 64 centre words: without that, a sentence of
  // 10^6 tokens or a set of 20,000 items (400 million pairs) runs to its end first.
  it(`inside one sentence of 10^6 tokens, and inside one item set of 20,000 items: within ${LIMIT_MS} ms`, { retry: 2 }, async () => {
    const r = rng(12);
    const line = Array.from({ length: 1_000_000 }, () => `t${Math.floor(r() * 5000)}`);
    const sentence = await abortLatency(
      (control) => train([line], { dim: 100, window: 10, epochs: 5, minCount: 1, threads: 2, maxSentenceLength: 1_000_000, progressInterval: 5 }, control),
      50,
    );
    expect(sentence.error.name).toBe('AbortError');
    const basket = Array.from({ length: 20_000 }, (_, i) => i);
    const set = await abortLatency(
      (control) => trainItems([basket], { mode: 'set', dim: 64, epochs: 2, threads: 2, progressInterval: 5 }, control),
      50,
    );
    expect(set.error.name).toBe('AbortError');
    console.log(`abort latency in a 10^6-token sentence: ${sentence.ms.toFixed(1)} ms; in a 20,000-item set: ${set.ms.toFixed(1)} ms`);
    expect(sentence.ms).toBeLessThan(LIMIT_MS);
    expect(set.ms).toBeLessThan(LIMIT_MS);
  });

  // The weights' release on abort is checked on the trainer itself, without the noise of a
  // training's garbage, in reliability-memory.test.ts.
  it.skipIf(!IS_LINUX)('after the rejection every native thread is joined', async () => {
    await train(['a b c'], { dim: 4, minCount: 1, epochs: 1, threads: 1 });
    const threads = threadCount();
    const { error } = await abortLatency(
      (control) => train(file, { dim: 100, epochs: 100, minCount: 1, threads: 3, progressInterval: 5 }, control),
      20,
    );
    expect(error.name).toBe('AbortError');
    expect(await threadsBackTo(threads)).toBe(threads);
  });
});

describe('100 train/abort cycles', () => {
  // In a child process with --expose-gc, so that RSS is this training's alone and gc() makes
  // it exact: 10,000 words x dim 100 = 8 MB of weights a cycle, so a leak of them would add
  // 720 MB between cycle 10 and cycle 100.
  it('leave RSS flat: within 10% between cycle 10 and cycle 100', async () => {
    const child = await runChild(
      `require(${JSON.stringify(join(__dirname, '../fixtures/abort-cycles.cjs'))});`,
      // The young generation at its full size from the start: V8 grows it over the first
      // cycles otherwise, which is V8 warming up, not memory this library keeps.
      { nodeArgs: ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'], timeoutMs: 300_000 },
    );
    expect(child.code, child.stderr).toBe(0);
    const { aborted, rss10, rss100, rssMax } = JSON.parse(child.stdout) as { aborted: number; rss10: number; rss100: number; rssMax: number };
    const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
    console.log(`RSS after cycle 10: ${mb(rss10)} MB, after cycle 100: ${mb(rss100)} MB (max from 10 on: ${mb(rssMax)} MB)`);
    expect(aborted).toBe(100);
    expect(rss100).toBeLessThanOrEqual(rss10 * 1.1);
    expect(rss100).toBeGreaterThanOrEqual(rss10 * 0.9);
  }, 300_000);
});
