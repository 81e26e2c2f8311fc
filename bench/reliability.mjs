#!/usr/bin/env node
// Reliability figures (issue 5), measured here and printed one per line:
//   abort     latency from abort() to train()'s rejection, over N aborts at random moments
//   cycles    RSS after train/abort cycle 10 and cycle 100 (child process, --expose-gc)
//   training  event-loop delay (p99, max) while training from a file, native-paced (on every
//             core, and leaving one core free) and JS-paced
//   nearest   event-loop delay while nearest() runs over 500,000 x 100 (on every core, and
//             leaving one free), and the event-loop thread's own CPU time meanwhile
// Delays count the time the event-loop thread waits for a core: on a machine busy with other
// work they grow with its load (printed first) while the thread itself stays nearly idle.
//   files     garbage model files through loadModel: errors, models, crashes
//   kills     SIGKILLs of a process saving two models alternately: the target intact after each
// Usage: node bench/reliability.mjs [--only abort,cycles,...] [--aborts N] [--files N]
//   [--kills N] [--json FILE]. Needs the built package (npm run build:native && npm run build:ts).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT as root } from './tools/paths.mjs';

const { train, loadModel, Word2Vec } = await import(join(root, 'dist/esm/index.mjs'));

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};

// ---- child modes ---------------------------------------------------------------------------

function lcg(seed) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function saverModel(seed) {
  const r = lcg(seed);
  const n = 50000;
  const dim = 100;
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = r() - 0.5;
  return new Word2Vec({ words: Array.from({ length: n }, (_, i) => (seed === 1 ? 'a' : 'b') + i), dim, vectors });
}

if (args[0] === '--child-saver') {
  const [, target, format] = args;
  const models = [saverModel(1), saverModel(2)];
  await models[0].save(target, { format });
  process.stdout.write('ready\n');
  for (let i = 1; ; i++) await models[i % 2].save(target, { format });
}

// ---- helpers -------------------------------------------------------------------------------

const only = opt('only', 'abort,cycles,training,nearest,files,kills').split(',');
const results = {};
const work = mkdtempSync(join(tmpdir(), 'w2v-reliability-bench-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;

function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

async function loopDelay(run) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  await sleep(30);
  const cpu = mainThreadCpuMs();
  const t = performance.now();
  await run();
  const ms = performance.now() - t;
  const mainCpuMs = mainThreadCpuMs() - cpu;
  await sleep(30);
  h.disable();
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6, samples: h.count, ms, mainCpuMs };
}

const showDelay = (d) =>
  `p99 ${fmt(d.p99)}, max ${fmt(d.max)} over ${d.ms.toFixed(0)} ms (${d.samples} samples; event-loop thread CPU ${d.mainCpuMs.toFixed(0)} ms)`;

// Runs node with `nodeArgs` (a script and its arguments), resolving to its standard output.
function runChild(nodeArgs, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child ${nodeArgs.join(' ')} exited with ${code}`))));
  });
}

function corpusFile(name, lines, words, seed) {
  const r = lcg(seed);
  const path = join(work, name);
  writeFileSync(path, Array.from({ length: lines }, () => Array.from({ length: 15 }, () => `w${Math.floor(r() * words)}`).join(' ')).join('\n') + '\n');
  return path;
}

console.log(`word2vec-native reliability figures; ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}`);

// ---- abort ---------------------------------------------------------------------------------

if (only.includes('abort')) {
  const n = Number(opt('aborts', 20));
  const file = corpusFile('abort.txt', 40000, 2000, 3);
  const r = lcg(11);
  const latencies = [];
  for (let i = 0; i < n; i++) {
    const controller = new AbortController();
    let abortedAt = 0;
    let began = false;
    const running = train(file, { dim: 100, epochs: 100, minCount: 1, threads: availableParallelism(), progressInterval: 5 }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase !== 'training' || began) return;
        began = true;
        setTimeout(() => {
          abortedAt = performance.now();
          controller.abort();
        }, Math.floor(r() * 300));
      },
    });
    try {
      await running;
      throw new Error('training finished before the abort');
    } catch (e) {
      if (e.name !== 'AbortError') throw e;
      latencies.push(performance.now() - abortedAt);
    }
  }
  latencies.sort((a, b) => a - b);
  results.abort = { runs: n, maxMs: latencies[n - 1], medianMs: latencies[Math.floor(n / 2)] };
  console.log(`abort: ${n} aborts at random moments of a long training (dim 100, ${availableParallelism()} threads): ` +
    `max ${fmt(latencies[n - 1])}, median ${fmt(latencies[Math.floor(n / 2)])} from abort() to the AbortError`);
}

// ---- cycles --------------------------------------------------------------------------------

if (only.includes('cycles')) {
  // The same child as test/integration/reliability-abort.test.ts.
  const out = JSON.parse(await runChild(['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16',
    join(root, 'test/fixtures/abort-cycles.cjs')], { W2V_LIB: join(root, 'dist/cjs/index.js') }));
  results.cycles = out;
  console.log(`cycles: 100 train/abort cycles (10,000 words x dim 100, 2 threads), RSS after gc(): cycle 10 ${mb(out.rss10)}, ` +
    `cycle 100 ${mb(out.rss100)} (${((out.rss100 / out.rss10 - 1) * 100).toFixed(1)}%), highest from cycle 10 on ${mb(out.rssMax)}`);
}

// ---- training ------------------------------------------------------------------------------

if (only.includes('training')) {
  const file = corpusFile('training.txt', 40000, 2000, 5);
  const native = await loopDelay(() => train(file, { dim: 100, epochs: 3, minCount: 1, threads: availableParallelism() }));
  // As train.test.ts: cheap native work, so that reading and encoding in JS set the pace.
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN';
  const r = lcg(13);
  const light = join(work, 'light.txt');
  writeFileSync(light, Array.from({ length: 40000 }, () => Array.from({ length: 15 }, () => letters[Math.floor(r() * 40)]).join(' ')).join('\n') + '\n');
  const js = await loopDelay(() => train(light, { dim: 4, window: 1, negative: 1, sample: 1e-6, epochs: 3, minCount: 1, threads: 2 }));
  const spare = Math.max(1, availableParallelism() - 1);
  const spared = await loopDelay(() => train(file, { dim: 100, epochs: 3, minCount: 1, threads: spare }));
  results.training = { nativePaced: native, nativePacedSpareCore: spared, jsPaced: js };
  console.log(`training: event loop while training 600,000 tokens x 3 epochs from a file, dim 100, ${availableParallelism()} threads: ${showDelay(native)}`);
  console.log(`training: the same with ${spare} thread(s), a core left to the event loop: ${showDelay(spared)}`);
  console.log(`training: the same, native work made cheap so JS reading sets the pace: ${showDelay(js)}`);
}

// ---- nearest -------------------------------------------------------------------------------

if (only.includes('nearest')) {
  const rows = 500000;
  const dim = 100;
  const r = lcg(1);
  const vectors = new Float32Array(rows * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = r() - 0.5;
  const model = new Word2Vec({ keys: Array.from({ length: rows }, (_, i) => `w${i}`), dim, vectors });
  const queries = vectors.slice(0, 1000 * dim);
  await sleep(200);
  const cold = await loopDelay(() => model.nearest(queries.subarray(0, 10 * dim), 5));
  const warm = await loopDelay(() => model.nearest(queries, 10));
  const dot = await loopDelay(() => model.nearest(queries, 10, { metric: 'dot' }));
  const spare = Math.max(1, availableParallelism() - 1);
  const spared = await loopDelay(() => model.nearest(queries, 10, { threads: spare }));
  results.nearest = { cold, warm, dot, cosineSpareCore: spared };
  console.log(`nearest: first call over 500,000 x 100 (row norms made): ${showDelay(cold)}`);
  console.log(`nearest: 1,000 queries, top 10, cosine: ${showDelay(warm)}`);
  console.log(`nearest: 1,000 queries, top 10, dot: ${showDelay(dot)}`);
  console.log(`nearest: 1,000 queries, top 10, cosine, ${spare} thread(s), a core left to the event loop: ${showDelay(spared)}`);
  model.dispose();
}

// ---- files ---------------------------------------------------------------------------------

if (only.includes('files')) {
  const n = Number(opt('files', 2000));
  const r = lcg(2024);
  const good = new Word2Vec({ words: ['w0', 'w1', 'w2'], dim: 4, vectors: Float32Array.from({ length: 12 }, () => r() - 0.5) });
  const goods = [];
  for (const format of ['word2vec-binary', 'word2vec-text', 'vec', 'native']) {
    const p = join(work, `good-${format}`);
    await good.save(p, { format });
    goods.push(readFileSync(p));
  }
  const bytes = (k) => Buffer.from(Array.from({ length: k }, () => Math.floor(r() * 256)));
  let errors = 0;
  let models = 0;
  let unnamed = 0;
  const path = join(work, 'garbage');
  for (let i = 0; i < n; i++) {
    const size = Math.floor(r() ** 2 * 3000);
    const kind = i % 4;
    let b;
    if (kind === 0) b = bytes(size);
    else if (kind === 1) b = Buffer.concat([Buffer.from(`${1 + Math.floor(r() * 20)} ${1 + Math.floor(r() * 8)}\n`), bytes(size)]);
    else if (kind === 2) b = Buffer.concat([goods[3].subarray(0, 8 + Math.floor(r() * 120)), bytes(size)]);
    else {
      b = Buffer.from(goods[i % 4]);
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    }
    writeFileSync(path, b);
    try {
      const m = await loadModel(path);
      models++;
      m.dispose();
    } catch (e) {
      errors++;
      if (!(e instanceof Error) || !e.message.includes(`(file ${path}`)) unnamed++;
    }
  }
  results.files = { files: n, errors, models, errorsWithoutFileName: unnamed, crashes: 0 };
  console.log(`files: ${n} garbage model files (random bytes; after a header; after the native magic; good files with 1-4 bytes changed): ` +
    `${errors} Errors naming the file (${unnamed} without), ${models} loaded as models, 0 crashes`);
}

// ---- kills ---------------------------------------------------------------------------------

if (only.includes('kills')) {
  const n = Number(opt('kills', 20));
  const expected = [saverModel(1), saverModel(2)];
  const r = lcg(77);
  let intact = 0;
  let tempsLeft = 0;
  for (let kill = 0; kill < n; kill++) {
    const format = kill % 2 === 0 ? 'word2vec-binary' : 'native';
    const dir = join(work, `kill-${kill}`);
    mkdirSync(dir);
    const target = join(dir, 'model');
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child-saver', target, format], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      child.on('exit', () => reject(new Error('the saver exited early')));
    });
    await sleep(Math.floor(r() * 600));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const names = readdirSync(dir);
    tempsLeft += names.length - 1;
    const m = await loadModel(target);
    const want = expected[m.keys[0] === 'a0' ? 0 : 1];
    const same = m.size === want.size && Buffer.compare(Buffer.from(m.vectors.buffer, m.vectors.byteOffset, m.vectors.byteLength),
      Buffer.from(want.vectors.buffer, want.vectors.byteOffset, want.vectors.byteLength)) === 0;
    if (same && names.length <= 2) intact++;
    m.dispose();
  }
  results.kills = { kills: n, intact, tempFilesLeft: tempsLeft };
  console.log(`kills: ${n} SIGKILLs of a process saving two 20 MB models alternately (binary, native): target whole and equal to one of them ${intact}/${n} times; ` +
    `${tempsLeft} temp files left (one at most per killed save)`);
}

rmSync(work, { recursive: true, force: true });
const json = opt('json', undefined);
if (json) writeFileSync(json, JSON.stringify(results, null, 2));
