#!/usr/bin/env node
// The CUDA trainer's checks and timings on a GPU, run by bench/gpu.sh after the build and the
// GPU tests (or alone: node bench/gpu.mjs, with a CUDA build of the addon).
//
//   1. smoke: a planted corpus (4 groups of 10 words) trained on the GPU and on the CPU,
//      skip-gram and CBOW: the GPU's nearest neighbours must find the groups and agree with
//      the CPU trainer's; and `w2v train -device cuda` through the CLI;
//   2. quality on en-8m (5 epochs, dim 100, window 5, sample 1e-4, negative 5): the GPU
//      model's analogy accuracy within 1 point of the CPU trainer's, wordsim353 and simlex999
//      Spearman within 0.02 (one-sided: the GPU may do better);
//   3. words/s for skip-gram and CBOW at dim 100 (the quality runs) and 300 on the GPU, end to
//      end (corpus words x epochs / training wall time, the bench's measure) and on the device
//      alone (words / seconds the kernels ran), bytes of weight rows moved per prediction, and
//      that traffic over the device's peak DRAM bandwidth (an upper bound on the fraction of
//      DRAM bandwidth used: rows that hit in L2 are counted too).
// Prints a table last, writes the figures as JSON (--out), exits 1 if a check failed.
//
//   node bench/gpu.mjs [--data DIR] [--epochs 5] [--threads N] [--quick] [--skip-quality]
//                      [--require-goal] [--out FILE.json]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { mulberry32 } from './tools/random.mjs';
import { REPO_ROOT as root } from './tools/paths.mjs';

const require = createRequire(import.meta.url);
const { train, cudaDevices, loadModel } = require(join(root, 'dist', 'cjs', 'index.js'));
const { native } = require(join(root, 'dist', 'cjs', 'native', 'addon.js'));

const GOAL_WORDS_PER_SECOND = 10e6;  // issue 6: skip-gram + negative sampling, dim 100, one H200

function parseArgs(argv) {
  const a = { data: undefined, epochs: 5, threads: availableParallelism(), quick: false, quality: true, requireGoal: false, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${k} needs a value`);
      return value;
    };
    if (k === '--data') a.data = resolve(v());
    else if (k === '--epochs') a.epochs = Number(v());
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--quick') a.quick = true;
    else if (k === '--skip-quality') a.quality = false;
    else if (k === '--require-goal') a.requireGoal = true;
    else if (k === '--out') a.out = resolve(v());
    else throw new Error(`unknown argument ${k}`);
  }
  if (a.quick) a.epochs = 1;
  a.data ??= [join(root, '..', 'shared', 'data'), join(root, 'shared', 'data'), join(root, '.gpu', 'data')].find((d) =>
    existsSync(join(d, 'corpus', 'en-8m.txt.gz')));
  return a;
}

const checks = [];
function check(name, ok, detail) {
  checks.push({ name, ok: Boolean(ok), detail });
  console.error(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
}

const fmt = (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const millions = (x) => `${(x / 1e6).toFixed(2)}M`;

/** Lines of 10 words, each line from one of 4 groups of 10 words (g0_0 .. g3_9). */
function plantedLines(lines, seed) {
  const next = mulberry32(seed);
  const out = [];
  for (let i = 0; i < lines; i++) {
    const g = Math.floor(next() * 4);
    out.push(Array.from({ length: 10 }, () => `g${g}_${Math.floor(next() * 10)}`).join(' '));
  }
  return out;
}

const groupOf = (word) => word.split('_')[0];

function neighbours(model, word) {
  return model.mostSimilar(word, { topK: 9 }).map((s) => s.word);
}

/** Smallest number, over the words, of a word's 9 nearest neighbours in its own group. */
function worstGroupRecall(model) {
  return Math.min(...model.words.map((w) => neighbours(model, w).filter((n) => groupOf(n) === groupOf(w)).length));
}

/** Mean share of a word's 9 nearest neighbours the two models have in common. */
function neighbourOverlap(a, b) {
  let shared = 0;
  for (const w of a.words) {
    const other = new Set(neighbours(b, w));
    shared += neighbours(a, w).filter((n) => other.has(n)).length / 9;
  }
  return shared / a.words.length;
}

/** Device figures of a GPU training. */
function deviceFigures(model, device) {
  const stats = model.trainingStats;
  const words = stats.epochs.reduce((s, e) => s + e.words, 0);
  const predictions = stats.epochs.reduce((s, e) => s + e.predictions, 0);
  const bytes = stats.epochs.reduce((s, e) => s + (e.bytesMoved ?? 0), 0);
  const seconds = stats.epochs.reduce((s, e) => s + (e.deviceSeconds ?? 0), 0);
  return {
    wordsPerSecond: (stats.wordsPerEpoch * stats.epochs.length) / (stats.trainingMs / 1000),
    deviceWordsPerSecond: seconds > 0 ? words / seconds : NaN,
    bytesPerPrediction: predictions > 0 ? bytes / predictions : NaN,
    bandwidthShare: seconds > 0 && device ? bytes / seconds / device.memoryBandwidth : NaN,
    trainingSeconds: stats.trainingMs / 1000,
    deviceSeconds: seconds,
  };
}

async function evaluate(model, data) {
  const analogy = await model.evaluateAnalogies(join(data, 'eval', 'questions-words.txt'), { restrictVocab: 30000 });
  const ws = await model.evaluateWordPairs(join(data, 'eval', 'wordsim353.tsv'));
  const sl = await model.evaluateWordPairs(join(data, 'eval', 'simlex999.txt'));
  return { analogy: analogy.accuracy, wordsim353: ws.spearman, simlex999: sl.spearman };
}

async function smoke(a, work) {
  const lines = plantedLines(20000, 7);
  for (const model of ['skipgram', 'cbow']) {
    const options = { model, dim: 32, window: 3, epochs: 5, minCount: 1, sample: 0, seed: 1 };
    const gpu = await train(lines, { ...options, device: 'cuda' });
    const cpu = await train(lines, { ...options, device: 'cpu', threads: Math.min(4, a.threads) });
    check(`smoke ${model}: trained on the GPU`, gpu.trainingStats.device === 'cuda', `device ${gpu.trainingStats.device}`);
    check(`smoke ${model}: every epoch's words`, gpu.trainingStats.epochs.every((e) => e.words === 200000),
      gpu.trainingStats.epochs.map((e) => e.words).join(', '));
    const finite = gpu.vectors.every((x) => Number.isFinite(x));
    check(`smoke ${model}: finite vectors`, finite, finite ? 'all finite' : 'NaN or Infinity in the vectors');
    const recall = worstGroupRecall(gpu);
    check(`smoke ${model}: GPU neighbours find the planted groups`, recall >= 7, `worst word has ${recall} of 9 in its group (CPU: ${worstGroupRecall(cpu)})`);
    const overlap = neighbourOverlap(gpu, cpu);
    check(`smoke ${model}: GPU and CPU neighbours agree`, overlap >= 0.8, `mean overlap of top-9 neighbours ${fmt(overlap)}`);
  }
  const file = join(work, 'planted.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  const out = join(work, 'planted.bin');
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cjs', 'cli.js'), 'train', '-train', file, '-output', out, '-binary', '1',
    '-cbow', '0', '-size', '32', '-iter', '2', '-min-count', '1', '-debug', '1', '-device', 'cuda'], { encoding: 'utf8', env: process.env });
  const cliOk = r.status === 0 && r.stdout.includes('Trained on the GPU (device cuda)') && existsSync(out);
  check('smoke: w2v train -device cuda', cliOk, cliOk ? `wrote ${(await loadModel(out)).size} vectors` : `exit ${r.status}: ${r.stderr.slice(-500)}`);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const status = native().cudaStatus();
  if (!status.compiled) throw new Error('the loaded addon has no CUDA support: build it with bench/gpu.sh or npm run build:cuda (or set WORD2VEC_NATIVE_ADDON)');
  const device = cudaDevices()[0];
  if (!device) throw new Error(`no CUDA device is visible: ${status.error}`);
  console.error(`device: ${device.name}, compute ${device.computeCapability}, ${device.multiprocessors} SMs, ` +
    `${(device.memoryBytes / 2 ** 30).toFixed(1)} GiB, peak ${(device.memoryBandwidth / 1e12).toFixed(2)} TB/s; CPU threads ${a.threads}`);
  const work = mkdtempSync(join(tmpdir(), 'w2v-gpu-'));
  const rows = [];
  try {
    await smoke(a, work);
    console.error(`smoke done (${((Date.now() - started) / 1000).toFixed(0)} s)`);

    if (a.quality) {
      if (!a.data) throw new Error('en-8m not found: pass --data DIR (holding corpus/en-8m.txt.gz and eval/)');
      const corpus = join(a.data, 'corpus', 'en-8m.txt.gz');
      const base = { dim: 100, window: 5, sample: 1e-4, negative: 5, minCount: 5, epochs: a.epochs, seed: 1 };
      for (const model of ['skipgram', 'cbow']) {
        const cpu = await train(corpus, { ...base, model, device: 'cpu', threads: a.threads });
        const cpuScores = await evaluate(cpu, a.data);
        const gpu = await train(corpus, { ...base, model, device: 'cuda' });
        const gpuScores = await evaluate(gpu, a.data);
        const d = deviceFigures(gpu, device);
        const cpuWps = (cpu.trainingStats.wordsPerEpoch * a.epochs) / (cpu.trainingStats.trainingMs / 1000);
        rows.push({ model, dim: 100, device: 'cpu', threads: a.threads, wordsPerSecond: cpuWps, ...cpuScores, trainingSeconds: cpu.trainingStats.trainingMs / 1000 });
        rows.push({ model, dim: 100, device: 'cuda', ...d, ...gpuScores });
        check(`${model} dim 100: analogy within 1 point of the CPU`, gpuScores.analogy >= cpuScores.analogy - 0.01,
          `GPU ${fmt(gpuScores.analogy * 100, 1)}% vs CPU ${fmt(cpuScores.analogy * 100, 1)}%`);
        check(`${model} dim 100: wordsim353 within 0.02 of the CPU`, gpuScores.wordsim353 >= cpuScores.wordsim353 - 0.02,
          `GPU ${fmt(gpuScores.wordsim353)} vs CPU ${fmt(cpuScores.wordsim353)}`);
        check(`${model} dim 100: simlex999 within 0.02 of the CPU`, gpuScores.simlex999 >= cpuScores.simlex999 - 0.02,
          `GPU ${fmt(gpuScores.simlex999)} vs CPU ${fmt(cpuScores.simlex999)}`);
        console.error(`${model} dim 100 done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
      for (const model of ['skipgram', 'cbow']) {
        const gpu = await train(corpus, { ...base, dim: 300, model, device: 'cuda' });
        const finite = gpu.vectors.every((x) => Number.isFinite(x));
        check(`${model} dim 300: finite vectors`, finite, finite ? 'all finite' : 'NaN or Infinity');
        rows.push({ model, dim: 300, device: 'cuda', ...deviceFigures(gpu, device) });
        console.error(`${model} dim 300 done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const sg100 = rows.find((r) => r.model === 'skipgram' && r.dim === 100 && r.device === 'cuda');
  const goalMet = sg100 ? sg100.wordsPerSecond >= GOAL_WORDS_PER_SECOND : undefined;
  if (sg100 && a.requireGoal) check('goal: skip-gram dim 100 at 10M words/s', goalMet, `${millions(sg100.wordsPerSecond)} words/s`);
  const result = {
    date: new Date().toISOString(), device, epochs: a.epochs, cpuThreads: a.threads, quick: a.quick,
    seconds: (Date.now() - started) / 1000, checks, rows, goal: { wordsPerSecond: GOAL_WORDS_PER_SECOND, met: goalMet },
  };
  if (a.out) {
    mkdirSync(dirname(a.out), { recursive: true });
    writeFileSync(a.out, JSON.stringify(result, null, 2) + '\n');
  }

  const failed = checks.filter((c) => !c.ok);
  const lines = [
    '',
    `GPU: ${device.name} (compute ${device.computeCapability}, peak ${(device.memoryBandwidth / 1e12).toFixed(2)} TB/s); ` +
      `en-8m, ${a.epochs} epoch(s), window 5, sample 1e-4, negative 5; CPU rows: ${a.threads} threads`,
    '',
    '| model | dim | device | words/s (end to end) | words/s (kernels) | bytes/prediction | of peak DRAM bandwidth | analogy % | wordsim353 | simlex999 |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.model} | ${r.dim} | ${r.device} | ${millions(r.wordsPerSecond)} | ` +
      `${r.device === 'cuda' ? millions(r.deviceWordsPerSecond) : ''} | ${r.device === 'cuda' ? Math.round(r.bytesPerPrediction) : ''} | ` +
      `${r.device === 'cuda' ? `${fmt(r.bandwidthShare * 100, 1)}%` : ''} | ` +
      `${r.analogy !== undefined ? fmt(r.analogy * 100, 1) : ''} | ${r.wordsim353 !== undefined ? fmt(r.wordsim353) : ''} | ` +
      `${r.simlex999 !== undefined ? fmt(r.simlex999) : ''} |`),
    '',
    sg100 ? `goal (skip-gram, dim 100, >= 10M words/s end to end): ${goalMet ? 'met' : 'NOT met'} (${millions(sg100.wordsPerSecond)})` : 'goal: not measured',
    `checks: ${checks.length - failed.length} of ${checks.length} passed${failed.length ? `; FAILED: ${failed.map((c) => c.name).join('; ')}` : ''}`,
    `bench/gpu.mjs took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  console.log(lines.join('\n'));
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(`bench/gpu.mjs: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
