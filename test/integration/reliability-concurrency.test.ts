/**
 * Concurrency: trainings side by side, trainings in worker_threads (and workers terminated
 * mid-training), queries while another model trains, and Word2Vec.dispose() while queries
 * run. Crash-prone cases run in a child process, so that a crash fails the test instead of
 * taking the test runner down.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';

import { ItemEmbeddings, loadModel, train, trainItems, Word2Vec, type TrainOptions } from '../../lib/index';
import { rng } from '../helpers';
import { IS_LINUX, libraryBundle, rejection, runChild, threadCount, threadsBackTo } from './reliability-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-reliability-concurrency-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Sentences of 15 words from one of `groups` groups of 10 words each. */
function planted(sentences: number, seed: number, prefix = 'g', groups = 4): string[] {
  const r = rng(seed);
  return Array.from({ length: sentences }, () => {
    const g = Math.floor(r() * groups);
    return Array.from({ length: 15 }, () => `${prefix}${g}w${Math.floor(r() * 10)}`).join(' ');
  });
}

function randomModel(rows: number, dim: number, seed: number): Word2Vec {
  const r = rng(seed);
  const vectors = new Float32Array(rows * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = r() * 2 - 1;
  return new Word2Vec({ words: Array.from({ length: rows }, (_, i) => `w${i}`), dim, vectors, ownsBuffers: true });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const BASE: TrainOptions = { dim: 16, window: 3, epochs: 2, minCount: 1, sample: 0, threads: 1, seed: 1 };

describe('Word2Vec.dispose()', () => {
  it('afterwards every method and array property throws "model is disposed"; dim stays; twice is fine', async () => {
    const m = randomModel(50, 4, 1);
    const items = ItemEmbeddings.fromModel(m);
    m.unitVectors();
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    expect(m.dim).toBe(4);
    const q = new Float32Array(4);
    const sync: [string, () => unknown][] = [
      ['vectors', () => m.vectors], ['outputVectors', () => m.outputVectors], ['counts', () => m.counts],
      ['keys', () => m.keys], ['words', () => m.words], ['size', () => m.size],
      ['idOf', () => m.idOf('w1')], ['has', () => m.has('w1')], ['vector', () => m.vector('w1')],
      ['unitVectors', () => m.unitVectors()], ['unitRow', () => m.unitRow(0)], ['similarity', () => m.similarity('w1', 'w2')],
      ['mostSimilar', () => m.mostSimilar('w1')], ['mostSimilar(vector)', () => m.mostSimilar(q)],
      ['analogy', () => m.analogy('w1', 'w2', 'w3')], ['doesntMatch', () => m.doesntMatch(['w1', 'w2'])],
      ['items.similar', () => items.similar('w1')], ['items.recommend', () => items.recommend(['w1'])],
      ['items.vector', () => items.vector('w1')], ['items.idOf', () => items.idOf('w1')], ['items.has', () => items.has('w1')],
      ['items.coldStart', () => items.coldStart(['w1'])],
    ];
    for (const [name, call] of sync) expect(call, name).toThrow(new Error('model is disposed'));
    const async: [string, () => Promise<unknown>][] = [
      ['nearest', () => m.nearest(q, 1)], ['evaluateAnalogies', () => m.evaluateAnalogies('x')],
      ['evaluateWordPairs', () => m.evaluateWordPairs('x')], ['wordClasses', () => m.wordClasses(2)],
      ['save', () => m.save(join(work, 'never.bin'))],
    ];
    for (const [name, call] of async) {
      let err: unknown;
      try {
        await call();
      } catch (e) {
        err = e;
      }
      expect(err, name).toEqual(new Error('model is disposed'));
    }
  });

  it('views of an owned model taken before dispose read as empty, never as freed memory', () => {
    const m = randomModel(1000, 8, 2);
    const vectors = m.vectors;
    const unit = m.unitVectors();
    expect(vectors.length).toBe(8000);
    m.dispose();
    expect(vectors.length).toBe(0);
    expect(vectors[0]).toBeUndefined();
    expect(unit.length).toBe(0);
  });

  it("arrays the caller passed in are the caller's: dispose only lets go of them", () => {
    const vectors = Float32Array.of(1, 0, 0, 1);
    const m = new Word2Vec({ words: ['a', 'b'], dim: 2, vectors });
    m.unitVectors();
    m.dispose();
    expect(Array.from(vectors)).toEqual([1, 0, 0, 1]);
  });

  it('a trained and a loaded (mapped) model dispose the same way', async () => {
    const trained = await train(planted(200, 3), BASE);
    const path = join(work, 'dispose.w2vn');
    await trained.save(path, { format: 'native' });
    const view = trained.vectors;
    trained.dispose();
    expect(view.length).toBe(0);
    const loaded = await loadModel(path);
    const loadedView = loaded.vectors;
    expect(loaded.mostSimilar('g0w1', { topK: 3 })).toHaveLength(3);
    loaded.dispose();
    expect(loadedView.length).toBe(0);
    expect(() => loaded.mostSimilar('g0w1')).toThrow('model is disposed');
  });

  // 256 queries over 200,000 x 64 rows (6.5 GFLOP, a few hundred ms here) take long enough
  // that a dispose() at these moments lands in each stage (row norms, query norms, the
  // batch). The buffers must outlive the native work; the query rejects; the process lives on.
  it('disposed while nearest() runs (at 0 to 40 ms): the query rejects with "model is disposed", nothing crashes', async () => {
    const queries = new Float32Array(256 * 64);
    const r = rng(9);
    for (let i = 0; i < queries.length; i++) queries[i] = r() - 0.5;
    for (const delay of [-1, 0, 1, 3, 10, 40]) {
      for (const metric of ['cosine', 'dot'] as const) {
        const m = randomModel(200_000, 64, delay + 10);
        const view = m.vectors;
        const running = m.nearest(queries, 10, { metric, threads: 2 });
        if (delay >= 0) await sleep(delay);
        m.dispose();
        const err = await rejection(running);
        expect(err, `${metric} after ${delay} ms`).toEqual(new Error('model is disposed'));
        // Released once the native work ended.
        expect(view.length).toBe(0);
      }
    }
  });

  it('disposed while wordClasses() (k-means on a worker) or evaluateAnalogies() runs: rejects', async () => {
    const m = randomModel(50_000, 32, 4);
    const classes = m.wordClasses(50, { iterations: 5, threads: 2 });
    m.dispose();
    expect(await rejection(classes)).toEqual(new Error('model is disposed'));

    const questions = join(work, 'questions.txt');
    writeFileSync(questions, ': s\n' + Array.from({ length: 2000 }, (_, i) => `w${i} w${i + 1} w${i + 2} w${i + 3}`).join('\n'));
    const m2 = randomModel(50_000, 32, 5);
    const evaluation = m2.evaluateAnalogies(questions);
    m2.dispose();
    expect(await rejection(evaluation)).toEqual(new Error('model is disposed'));
  });

  it('disposed while save() runs: the save finishes, the file is whole', async () => {
    const m = randomModel(100_000, 50, 6);
    const expected = Buffer.from(m.vectors.buffer.slice(0));
    const path = join(work, 'saving.w2vn');
    const saving = m.save(path, { format: 'native' });
    m.dispose();
    await saving;
    const back = await loadModel(path);
    expect(Buffer.from(back.vectors.buffer, back.vectors.byteOffset, back.vectors.byteLength).equals(expected)).toBe(true);
    back.dispose();
  });
});

describe('queries while another model trains', () => {
  it('mostSimilar and nearest answer exactly as before, while a 4-thread training runs', async () => {
    const model = randomModel(20_000, 32, 7);
    const queries = model.vectors.slice(0, 32 * 20);
    const before = { similar: model.mostSimilar('w5', { topK: 10 }), nearest: await model.nearest(queries, 10) };
    const controller = new AbortController();
    const training = train(planted(20_000, 8), { ...BASE, epochs: 100, threads: 4 }, { signal: controller.signal });
    let rounds = 0;
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      expect(model.mostSimilar('w5', { topK: 10 })).toEqual(before.similar);
      const n = await model.nearest(queries, 10);
      expect(Array.from(n.ids)).toEqual(Array.from(before.nearest.ids));
      rounds++;
    }
    controller.abort();
    expect((await rejection(training)).name).toBe('AbortError');
    expect(rounds).toBeGreaterThan(3);
  });
});

describe('trainings side by side', () => {
  it('three trainings at once, one of them aborted: the other two are what they are alone', async () => {
    const opts: TrainOptions = { ...BASE, epochs: 3 };
    const a = planted(2000, 21, 'a');
    const b = planted(2000, 22, 'b');
    const aloneA = await train(a, opts);
    const aloneB = await train(b, { ...opts, model: 'cbow' });
    const controller = new AbortController();
    const doomed = train(planted(20_000, 23, 'c'), { ...opts, epochs: 100, threads: 2 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const [ta, tb, tc] = await Promise.allSettled([train(a, opts), train(b, { ...opts, model: 'cbow' }), doomed]);
    expect(ta.status === 'fulfilled' && Buffer.from(ta.value.vectors.buffer).equals(Buffer.from(aloneA.vectors.buffer))).toBe(true);
    expect(tb.status === 'fulfilled' && Buffer.from(tb.value.vectors.buffer).equals(Buffer.from(aloneB.vectors.buffer))).toBe(true);
    expect(tc.status === 'rejected' && (tc.reason as Error).name).toBe('AbortError');
  });
});

describe('worker_threads', () => {
  const workerCode = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { train, trainItems } = require(workerData.lib);
    const run = workerData.items
      ? trainItems(workerData.lines.map((l) => l.split(' ')), { dim: 8, epochs: 2, threads: 2, seed: 1 }).then((e) => e.model)
      : train(workerData.lines, { dim: 8, epochs: 2, minCount: 1, threads: 2, seed: 1 });
    run.then((m) => parentPort.postMessage({ size: m.size, top: m.mostSimilar(m.words[0], { topK: 3 }).length }))
       .catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
  `;

  it('two workers train at once (train and trainItems), beside a training on the main thread', async () => {
    const lib = libraryBundle();
    const lines = planted(500, 31);
    const results = await Promise.all([
      ...[false, true].map(
        (items) =>
          new Promise<{ size?: number; top?: number; error?: string }>((resolve, reject) => {
            const worker = new Worker(workerCode, { eval: true, workerData: { lib, lines, items } });
            worker.once('message', (m) => void worker.terminate().then(() => resolve(m)));
            worker.once('error', reject);
          }),
      ),
      train(lines, BASE).then((m) => ({ size: m.size, top: 3 })),
    ]);
    for (const r of results) expect(r).toEqual({ size: 40, top: 3 });
  });

  // The crash this guards against: the trainer's thread-safe function delivered its 'done'
  // event into an environment being torn down, the throw failed, and an uncaught
  // Napi::Error aborted the whole process.
  it.skipIf(!IS_LINUX)('workers terminated mid-training, 12 times: the process lives, every native thread is joined', async () => {
    await expectWorkersTerminateCleanly({
      worker: `
        const { parentPort } = require('node:worker_threads');
        const { train } = require(process.env.W2V_LIB);
        const lines = Array.from({ length: 20000 }, (_, i) => Array.from({ length: 15 }, (_, j) => 'w' + ((i * 7 + j * 13) % 500)).join(' '));
        let told = false;
        train(lines, { dim: 50, epochs: 100, minCount: 1, threads: 3, progressInterval: 1 }, {
          onProgress: (p) => { if (p.phase === 'training' && !told) { told = true; parentPort.postMessage('training'); } },
        });
      `,
      times: 12,
      delayMs: '(i * 17) % 60',
    });
  });

  // The vocabulary pass runs on libuv's pool (countFile counts a file's parts on threads of
  // its own; takeIds rewrites the kept ids): a worker may go while that work is in flight.
  it.skipIf(!IS_LINUX)('workers terminated while counting a file or handing over its ids, 10 times: the process lives, every thread is joined', async () => {
    await expectWorkersTerminateCleanly({
      // 3.2M tokens: counting takes tens of milliseconds, the termination lands before, during or after it.
      setup: `
        const file = require('node:path').join(require('node:os').tmpdir(), 'w2v-terminate-' + process.pid + '.txt');
        require('node:fs').writeFileSync(file, Array.from({ length: 200000 }, (_, i) => Array.from({ length: 16 }, (_, j) => 'w' + ((i * 7 + j * 13) % 3000)).join(' ')).join('\\n'));
      `,
      worker: `
        const { parentPort, workerData } = require('node:worker_threads');
        const { train } = require(process.env.W2V_LIB);
        parentPort.postMessage('started');
        train(workerData, { dim: 20, epochs: 3, minCount: 1, threads: 2 }).catch(() => undefined);
      `,
      workerData: 'file',
      times: 10,
      delayMs: '(i * 29) % 200',
      teardown: `require('node:fs').rmSync(file);`,
    });
  });
});

/**
 * In a child process: starts `times` workers running `worker` (code that posts a message once
 * under way), terminating each `delayMs` (a JS expression of i) after its message; expects the
 * child to live and its thread count to come back to what it was before the first worker.
 */
async function expectWorkersTerminateCleanly(o: {
  worker: string;
  times: number;
  delayMs: string;
  setup?: string;
  workerData?: string;
  teardown?: string;
}): Promise<void> {
  const child = await runChild(
    `
    const { Worker } = require('node:worker_threads');
    const threads = () => Number(/^Threads:\\s+(\\d+)$/m.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
    ${o.setup ?? ''}
    const code = ${JSON.stringify(o.worker)};
    (async () => {
      // libuv's thread pool (takeIds and countFile run their work there) starts its threads
      // at first use and keeps them for the process's life: start it before counting.
      await new Promise((r) => require('node:crypto').pbkdf2('a', 'b', 1, 8, 'sha1', r));
      const baseline = threads();
      for (let i = 0; i < ${o.times}; i++) {
        const w = new Worker(code, { eval: true, workerData: ${o.workerData ?? 'undefined'} });
        await new Promise((r) => w.once('message', r));
        await new Promise((r) => setTimeout(r, ${o.delayMs}));
        await w.terminate();
      }
      ${o.teardown ?? ''}
      let after = threads();
      for (let t = 0; t < 100 && after > baseline; t++) { await new Promise((r) => setTimeout(r, 20)); after = threads(); }
      console.log(JSON.stringify({ baseline, after }));
    })();
    `,
    { timeoutMs: 120_000 },
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.code, child.stderr).toBe(0);
  const { baseline, after } = JSON.parse(child.stdout.trim()) as { baseline: number; after: number };
  expect(after).toBeLessThanOrEqual(baseline);
}

describe.skipIf(!IS_LINUX)('native threads come and go with each training', () => {
  it('a finished, an aborted and a failed training each leave the thread count where it was', async () => {
    // Warm up: the libuv pool and V8's platform threads start on first use and stay.
    await train(planted(100, 41), BASE);
    const baseline = threadCount();
    await train(planted(2000, 42), { ...BASE, threads: 4 });
    expect(await threadsBackTo(baseline)).toBe(baseline);
    const controller = new AbortController();
    let training!: () => void;
    const trainingStarted = new Promise<void>((resolve) => (training = resolve));
    const aborted = train(planted(20_000, 43), { ...BASE, epochs: 100, threads: 4, progressInterval: 1 }, {
      signal: controller.signal,
      onProgress: (p) => p.phase === 'training' && training(),
    });
    await trainingStarted;
    // 4 workers and the supervisor.
    expect(threadCount()).toBeGreaterThanOrEqual(baseline + 5);
    controller.abort();
    expect((await rejection(aborted)).name).toBe('AbortError');
    expect(await threadsBackTo(baseline)).toBe(baseline);
    const failing = train(planted(20_000, 44), { ...BASE, epochs: 100, threads: 4, progressInterval: 1 }, {
      onProgress: (p) => {
        if (p.phase === 'training') throw new Error('stop here');
      },
    });
    expect((await rejection(failing)).message).toBe('stop here');
    expect(await threadsBackTo(baseline)).toBe(baseline);
    const items = trainItems([Array.from({ length: 50_000 }, (_, i) => i % 1000)], { mode: 'set', dim: 8, threads: 3 }, { signal: AbortSignal.timeout(100) });
    expect((await rejection(items)).name).toMatch(/AbortError|TimeoutError/);
    expect(await threadsBackTo(baseline)).toBe(baseline);
    expect(readFileSync('/proc/self/status', 'utf8')).toContain('Threads:');
  });
});
