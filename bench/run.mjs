#!/usr/bin/env node
// Side-by-side benchmark: the original word2vec C (npm package `word2vec`, built on install)
// and ours, same flags, same corpus, alternating runs. Measures whole-process wall time,
// training words/s, peak RSS, and quality (questions-words 3CosAdd top 30000, wordsim353,
// simlex999 Spearman), all evaluated by the same code for both programs.
//
//   node bench/run.mjs [--corpus FILE] [--epochs 5] [--threads 2] [--configs sg-neg,cbow-neg,sg-hs,cbow-hs]
//                      [--reps 1] [--programs original,ours] [--quick] [--name NAME]
// The result goes to bench/results/current/NAME.{md,json,svg} (see bench/tools/results.mjs).
// --readme reruns every benchmark the README cites and rewrites its tables (bench/readme.mjs).
import { spawnSync } from 'node:child_process';
import { coreToCoreNs, machineLimits } from './tools/machine.mjs';
import { provenance, resultMeta, saveResult } from './tools/results.mjs';
import { EN8M_CORPUS, SHARED_DATA, REPO_ROOT as root } from './tools/paths.mjs';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const require = createRequire(import.meta.url);
const { loadModel } = require(join(root, 'dist', 'cjs', 'index.js'));

// A cache line's round trip between the two CPUs below this: they share a cache (measured ~55
// ns on this project's AMD EPYC VMs when they do, ~350 when they do not).
const NEAR_CORE_NS = 150;

const CONFIGS = {
  'sg-neg': ['-cbow', '0', '-hs', '0', '-negative', '5'],
  'cbow-neg': ['-cbow', '1', '-hs', '0', '-negative', '5'],
  'sg-hs': ['-cbow', '0', '-hs', '1', '-negative', '0'],
  'cbow-hs': ['-cbow', '1', '-hs', '1', '-negative', '0'],
};

const USAGE = `node bench/run.mjs [options]   (npm run bench -- [options])
  --corpus FILE      plain or .gz corpus; default ../shared/data/corpus/en-8m.txt.gz beside the
                     repository, else the corpus the package ships (lib/data/default-corpus.txt.gz)
  --eval DIR         questions-words.txt, wordsim353.tsv, simlex999.txt; default ../shared/data/eval
                     (quality columns are left out when they are missing)
  --epochs N         default 5 (1 with --quick)
  --threads N        default 2
  --dim N            default 100
  --sample X         default 1e-4
  --configs LIST     sg-neg,cbow-neg,sg-hs,cbow-hs or all (default all)
  --programs LIST    original,ours[,gensim] (gensim when python3-gensim is installed); also
                     original-seeded: the original built with its random streams started from
                     W2V_ORIGINAL_SEED = the rep's seed (seed 1 is the original exactly), whose
                     runs are then independent draws as ours's are
  --reps N           repetitions, alternating program order; default 1. Ours takes -seed 1..N
                     (the original has no seed flag; its runs differ by its threads' timing), and
                     the result adds each program's quality mean and standard deviation over them
  --first-seed N     ours's seed for the first rep (then N+1, ...); default 1
  --ours-flags 'F'   extra flags for ours only (a study of one setting, e.g. '-shared-negatives 0')
  --quick            smoke run: first ~7 MB of the corpus, 1 epoch (under two minutes)
  --name NAME        result name under bench/results/current (default: quick, or compare-<epochs>ep-dim<dim>)
  --readme           rerun every benchmark the README cites and rewrite its tables (bench/readme.mjs)
  index [options]    the nearest-neighbour index benchmark instead (bench/index.mjs --help)
  graph [options]    the graph-embedding benchmark instead (bench/graph.mjs --help)
  --scaling          also run ours with 1 thread: 2-thread over 1-thread throughput
  --no-queries       skip the query benchmark (bench/query.mjs: copy-bandwidth and FMA-peak ratios)
  --out DIR          also write the result as <stamp>.{md,json,svg} in DIR`;

const SHIPPED_CORPUS = join(root, 'lib', 'data', 'default-corpus.txt.gz');

const GENSIM_PYTHON = '/usr/bin/python3';
function gensimAvailable() {
  return existsSync(GENSIM_PYTHON) && spawnSync(GENSIM_PYTHON, ['-c', 'import gensim'], { encoding: 'utf8' }).status === 0;
}

// gensim with the same settings, reading the same plain text file; writes word2vec binary.
const GENSIM_SCRIPT = `
import sys, logging
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
corpus, out, size, window, sample, threads, epochs, sg, hs, negative = sys.argv[1:11]
m = Word2Vec(LineSentence(corpus), vector_size=int(size), window=int(window), sample=float(sample), min_count=5,
             workers=int(threads), epochs=int(epochs), sg=int(sg), hs=int(hs), negative=int(negative),
             alpha=0.025 if sg == '1' else 0.05, min_alpha=(0.025 if sg == '1' else 0.05) * 1e-4, cbow_mean=1)
m.wv.save_word2vec_format(out, binary=True)
`;

function parseArgs(argv) {
  const a = {
    corpus: undefined,
    eval: join(SHARED_DATA, 'eval'),
    epochs: 5, threads: 2, reps: 1, dim: 100, sample: '1e-4',
    configs: Object.keys(CONFIGS), programs: null, quick: false, out: undefined, readme: false,
    queries: true, scaling: false, name: undefined, oursFlags: [], firstSeed: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--corpus') a.corpus = resolve(v());
    else if (k === '--eval') a.eval = resolve(v());
    else if (k === '--epochs') a.epochs = Number(v());
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--reps') a.reps = Number(v());
    else if (k === '--dim') a.dim = Number(v());
    else if (k === '--sample') a.sample = v();
    else if (k === '--configs') { const c = v(); a.configs = c === 'all' ? Object.keys(CONFIGS) : c.split(','); }
    else if (k === '--programs') a.programs = v().split(',');
    else if (k === '--quick') a.quick = true;
    else if (k === '--out') a.out = resolve(v());
    else if (k === '--readme') a.readme = true;
    else if (k === '--name') a.name = v();
    else if (k === '--no-queries') a.queries = false;
    else if (k === '--scaling') a.scaling = true;
    else if (k === '--first-seed') a.firstSeed = Number(v());
    else if (k === '--ours-flags') a.oursFlags = v().split(/\s+/).filter(Boolean);
    else if (k === '--help') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown argument ${k}`);
  }
  if (!Number.isInteger(a.firstSeed) || a.firstSeed < 0) throw new Error(`--first-seed must be a non-negative integer, got ${a.firstSeed}`);
  if (!Number.isInteger(a.reps) || a.reps < 1) throw new Error(`--reps must be a positive integer, got ${a.reps}`);
  for (const c of a.configs) if (!CONFIGS[c]) throw new Error(`unknown config ${c}; known: ${Object.keys(CONFIGS).join(', ')}`);
  if (a.quick) a.epochs = 1;
  if (a.corpus === undefined) {
    if (existsSync(EN8M_CORPUS)) a.corpus = EN8M_CORPUS;
    else {
      a.corpus = SHIPPED_CORPUS;
      console.error(`bench: ${EN8M_CORPUS} not found; using the corpus the package ships (lib/data/default-corpus.txt.gz); --corpus FILE picks another`);
    }
  } else if (!existsSync(a.corpus)) {
    throw new Error(`--corpus: no such file ${a.corpus}`);
  }
  const evalFiles = ['questions-words.txt', 'wordsim353.tsv', 'simlex999.txt'];
  a.quality = evalFiles.every((f) => existsSync(join(a.eval, f)));
  if (!a.quality) console.error(`bench: the evaluation files (${evalFiles.join(', ')}) are not all in ${a.eval}; quality is not measured (--eval DIR)`);
  a.name ??= a.quick ? 'quick' : `compare-${a.epochs}ep-dim${a.dim}`;
  a.programs ??= gensimAvailable() ? ['original', 'ours', 'gensim'] : ['original', 'ours'];
  return a;
}

async function plainCorpus(path, scratch, quick) {
  const name = (quick ? 'quick-' : '') + path.replace(/[^a-zA-Z0-9]+/g, '_').slice(-60) + '.txt';
  const out = join(scratch, name);
  if (existsSync(out) && statSync(out).mtimeMs > statSync(path).mtimeMs) return out;
  const gz = readFileSync(path).subarray(0, 2);
  const input = createReadStream(path);
  const stages = gz[0] === 0x1f && gz[1] === 0x8b ? [input, createGunzip()] : [input];
  if (quick) {
    // The first ~7 MB (about 1.2M words) of the corpus, cut at a line end.
    let kept = 0;
    stages.push(async function* (source) {
      // Reads on to the end (breaking out would abort the pipeline), keeping the first part.
      for await (const chunk of source) {
        if (kept >= 7e6) continue;
        let c = chunk;
        if (kept + c.length > 7e6) {
          const nl = c.indexOf(10, 7e6 - kept);
          c = nl < 0 ? c : c.subarray(0, nl + 1);
        }
        kept += c.length;
        yield c;
      }
    });
  }
  await pipeline(...stages, createWriteStream(out));
  return out;
}

function timed(cmd, args, env = process.env) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { wallSeconds: Number(m[1]), peakRssMB: Number(m[2]) / 1024, stdout: r.stdout };
}

// The original with one change: its random streams start from a seed read from
// W2V_ORIGINAL_SEED (1, or unset, is the original exactly: the initial weights' generator
// starts at 1, thread i's at i). Its runs otherwise share one seed, so their mean is that
// seed's, not the mean over seeds that ours is measured by. Built into bench/scratch.
function buildSeededOriginal(source, scratch) {
  const out = join(scratch, 'word2vec-seeded');
  const c = readFileSync(source, 'latin1');
  const patched = c
    .replace('unsigned long long next_random = 1;', 'unsigned long long next_random = originalSeed();')
    .replace('unsigned long long next_random = (long long)id;', 'unsigned long long next_random = (long long)id + 1000003ULL * (originalSeed() - 1);')
    .replace('void InitNet() {', 'static unsigned long long originalSeed() {\n  const char *s = getenv("W2V_ORIGINAL_SEED");\n  return s ? strtoull(s, 0, 10) : 1;\n}\n\nvoid InitNet() {');
  if (patched.split('originalSeed()').length !== 4) throw new Error(`${source}: the seed patch did not apply (its random generators are not where expected)`);
  writeFileSync(join(scratch, 'word2vec-seeded.c'), patched, 'latin1');
  // The flags of the original's makefile, -march=native included: the baseline as it is built
  // (a peer for the bench, never shipped).
  const cc = spawnSync('gcc', [join(scratch, 'word2vec-seeded.c'), '-o', out, '-lm', '-pthread', '-O3', '-march=native', '-Wall', '-funroll-loops', '-Wno-unused-result', '-fno-stack-protector'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`building the seeded original failed:\n${cc.stderr}`);
  return out;
}

function countWords(path) {
  // Words the training counts per epoch: whitespace tokens (both tools read the same file).
  const r = spawnSync('wc', ['-w', path], { encoding: 'utf8' });
  return Number(r.stdout.trim().split(/\s+/)[0]);
}

function readVocab(path) {
  const map = new Map();
  for (const line of readFileSync(path, 'latin1').split('\n')) {
    if (!line) continue;
    const [w, c] = line.split(' ');
    map.set(w, Number(c));
  }
  return map;
}

function sameVocabulary(a, b) {
  const x = readVocab(a), y = readVocab(b);
  if (x.size !== y.size) return false;
  for (const [w, c] of x) if (y.get(w) !== c) return false;
  return true;
}

// A bar chart of ours/original per configuration: speed-up and memory ratio (log scale
// around 1), plus the quality deltas as text.
function ratioChart(summary, meta) {
  const rows = summary.filter((s) => s.ratios);
  const W = 760, rowH = 70, top = 70, left = 110, barW = 520, H = top + rows.length * rowH + 50;
  const maxRatio = Math.max(4, ...rows.map((r) => Math.max(r.ratios.speedup, 1 / r.ratios.memory)));
  const x = (v) => left + (Math.log(v) / Math.log(maxRatio)) * barW * 0.5 + barW * 0.5;
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">word2vec-native vs the original word2vec C (ratios, same run)</text>`,
    `<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(`${meta.words} words, ${meta.epochs} epochs, dim ${meta.dim}, ${meta.threads} threads, ${meta.date.slice(0, 10)}`)}</text>`,
    `<line x1="${x(1)}" y1="${top - 10}" x2="${x(1)}" y2="${H - 40}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${x(1)}" y="${H - 24}" text-anchor="middle" fill="#333">1x (same as the original)</text>`];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const speed = r.ratios.speedup, mem = 1 / r.ratios.memory;
    parts.push(`<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-weight="bold">${esc(r.config)}</text>`);
    parts.push(`<rect x="${Math.min(x(1), x(speed))}" y="${y + 6}" width="${Math.abs(x(speed) - x(1))}" height="16" fill="#2b7bba"/>`);
    parts.push(`<text x="${Math.max(x(1), x(speed)) + 6}" y="${y + 19}">${speed.toFixed(2)}x faster</text>`);
    parts.push(`<rect x="${Math.min(x(1), x(mem))}" y="${y + 26}" width="${Math.abs(x(mem) - x(1))}" height="16" fill="#4caf50"/>`);
    parts.push(`<text x="${Math.max(x(1), x(mem)) + 6}" y="${y + 39}">${mem >= 1 ? `${mem.toFixed(2)}x less memory` : `${(1 / mem).toFixed(2)}x more memory`}</text>`);
    const f = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '-');
    parts.push(`<text x="${left}" y="${y + 60}" fill="#555">${esc(`quality vs original: analogy ${f(r.ratios.analogyDelta * 100, 1)} pts, wordsim353 ${f(r.ratios.wordsim353Delta, 3)}, simlex999 ${f(r.ratios.simlex999Delta, 3)}`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

async function main() {
  if (process.argv[2] === 'index' || process.argv[2] === 'graph') {
    // The nearest-neighbour index benchmark (bench/index.mjs) or the graph one (bench/graph.mjs), with the remaining arguments.
    const r = spawnSync(process.execPath, [join(root, 'bench', `${process.argv[2]}.mjs`), ...process.argv.slice(3)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  if (process.argv.includes('--readme')) {
    // Every benchmark the README cites, then its tables rewritten from the results; the other
    // arguments are bench/readme.mjs's (--only, --skip, --no-write).
    const r = spawnSync(process.execPath, [join(root, 'bench', 'readme.mjs'), ...process.argv.slice(2).filter((x) => x !== '--readme')], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const a = parseArgs(process.argv.slice(2));
  const scratch = join(root, 'bench', 'scratch');
  mkdirSync(scratch, { recursive: true });
  const corpus = await plainCorpus(a.corpus, scratch, a.quick);
  const words = countWords(corpus);
  const original = join(root, 'node_modules', 'word2vec', 'src', 'word2vec');
  if (a.programs.includes('original') && !existsSync(original)) {
    // npm ci builds it (the word2vec package's install script); an install without scripts does not.
    console.error(`bench: building the original word2vec (make --directory=node_modules/word2vec/src word2vec)`);
    const make = spawnSync('make', ['--directory', dirname(original), 'word2vec'], { encoding: 'utf8' });
    if (make.status !== 0 || !existsSync(original)) {
      throw new Error(`the original word2vec is not built at ${original} and make failed (a C compiler and make are needed):\n${make.stderr ?? make.error}`);
    }
  }
  const flag = (args, name) => args[args.indexOf(name) + 1];
  const seededOriginal = a.programs.includes('original-seeded') ? buildSeededOriginal(`${original}.c`, scratch) : undefined;
  const programs = {
    original: (args) => [original, args],
    'original-seeded': (args) => [seededOriginal, args],
    ours: (args) => [process.execPath, [join(root, 'dist', 'cjs', 'cli.js'), 'train', ...args]],
    gensim: (args) => [GENSIM_PYTHON, ['-c', GENSIM_SCRIPT, flag(args, '-train'), flag(args, '-output'), flag(args, '-size'),
      flag(args, '-window'), flag(args, '-sample'), flag(args, '-threads'), flag(args, '-iter'),
      flag(args, '-cbow') === '1' ? '0' : '1', flag(args, '-hs'), flag(args, '-negative')]],
  };
  const results = [];
  console.error(`corpus ${corpus}: ${words} words; epochs ${a.epochs}, threads ${a.threads}`);
  for (const config of a.configs) {
    for (let rep = 0; rep < a.reps; rep++) {
      // Alternate which program goes first, so drift on a noisy machine falls on both.
      const order = rep % 2 === 0 ? a.programs : [...a.programs].reverse();
      for (const program of order) {
        const output = join(scratch, `${config}-${program}.bin`);
        const vocabFile = join(scratch, `${config}-${program}.vocab`);
        const reportFile = join(scratch, `${config}-${program}.report.json`);
        // Ours and the seeded original run rep r with seed firstSeed + r; the original has none.
        const seed = program === 'ours' || program === 'original-seeded' ? a.firstSeed + rep : undefined;
        const flags = ['-train', corpus, '-output', output, '-size', String(a.dim), '-window', '5', '-sample', a.sample,
          '-threads', String(a.threads), '-iter', String(a.epochs), '-min-count', '5', '-binary', '1', '-debug', '0',
          ...(program === 'gensim' ? [] : ['-save-vocab', vocabFile]),
          ...(program === 'ours' ? ['-report', reportFile, '-seed', String(seed), ...a.oursFlags] : []),
          ...CONFIGS[config]];
        const [cmd, args] = programs[program](flags);
        console.error(`${config} ${program} rep ${rep + 1}: ${[cmd, ...args].join(' ')}`);
        // Where the host has put the two vCPUs now (a 2-thread training's time moves with it).
        const placementNs = a.threads > 1 ? coreToCoreNs() : null;
        const t = timed(cmd, args, program === 'original-seeded' ? { ...process.env, W2V_ORIGINAL_SEED: String(seed) } : process.env);
        // And after it: a run the host moved in the middle counts in neither placement.
        const placementAfterNs = a.threads > 1 ? coreToCoreNs() : null;
        const model = await loadModel(output);
        const none = { accuracy: NaN, seen: 0, spearman: NaN };
        const analogy = a.quality ? await model.evaluateAnalogies(join(a.eval, 'questions-words.txt'), { restrictVocab: 30000 }) : none;
        const ws = a.quality ? await model.evaluateWordPairs(join(a.eval, 'wordsim353.tsv')) : none;
        const sl = a.quality ? await model.evaluateWordPairs(join(a.eval, 'simlex999.txt')) : none;
        const row = {
          config, program, rep, ...(seed === undefined ? {} : { seed }), wallSeconds: t.wallSeconds, peakRssMB: Math.round(t.peakRssMB),
          coreToCoreNs: placementNs, coreToCoreAfterNs: placementAfterNs,
          wordsPerSecond: Math.round((words * a.epochs) / t.wallSeconds),
          analogy: analogy.accuracy, analogySeen: analogy.seen, wordsim353: ws.spearman, simlex999: sl.spearman, vocab: model.size,
          ...(program === 'gensim' ? {} : { vocabFile }),
          ...(program === 'ours' ? { report: JSON.parse(readFileSync(reportFile, 'utf8')) } : {}),
        };
        console.error(JSON.stringify(row));
        results.push(row);
      }
      if (a.scaling && a.threads > 1 && a.programs.includes('ours')) {
        const reportFile = join(scratch, `${config}-ours-1thread.report.json`);
        const flags = ['-train', corpus, '-output', join(scratch, `${config}-ours-1thread.bin`), '-size', String(a.dim), '-window', '5',
          '-sample', a.sample, '-threads', '1', '-iter', String(a.epochs), '-min-count', '5', '-binary', '1', '-debug', '0',
          '-report', reportFile, ...CONFIGS[config]];
        const [cmd, args] = programs.ours(flags);
        console.error(`${config} ours 1 thread rep ${rep + 1}: ${[cmd, ...args].join(' ')}`);
        const t = timed(cmd, args);
        results.push({ config, program: 'ours-1thread', rep, wallSeconds: t.wallSeconds, peakRssMB: Math.round(t.peakRssMB), report: JSON.parse(readFileSync(reportFile, 'utf8')) });
      }
    }
  }
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
  // Runs whose two CPUs shared a cache before they started and after they ended (near), and
  // those whose CPUs shared none either time (far); a run measured one way before and the other
  // after was moved while it ran, and counts in neither.
  const placementOf = (x) => {
    const trips = [x.coreToCoreNs, x.coreToCoreAfterNs].filter((ns) => ns !== null && ns !== undefined);
    if (trips.length === 0) return 'unknown';
    if (trips.every((ns) => ns < NEAR_CORE_NS)) return 'near';
    return trips.every((ns) => ns >= NEAR_CORE_NS) ? 'far' : 'moved';
  };
  const byPlacement = (rs) => ({
    near: rs.filter((x) => placementOf(x) === 'near'),
    far: rs.filter((x) => placementOf(x) === 'far'),
  });
  // Sample standard deviation (n - 1); NaN for one value.
  const sd = (xs) => (xs.length < 2 ? NaN : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
  const limits = machineLimits(a.threads);
  const summary = [];
  for (const config of a.configs) {
    const by = (p) => results.filter((r) => r.config === config && r.program === p);
    const line = { config };
    for (const p of a.programs) {
      const rs = by(p);
      line[p] = {
        wallSeconds: mean(rs.map((r) => r.wallSeconds)), peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
        wordsPerSecond: mean(rs.map((r) => r.wordsPerSecond)), analogy: mean(rs.map((r) => r.analogy)),
        wordsim353: mean(rs.map((r) => r.wordsim353)), simlex999: mean(rs.map((r) => r.simlex999)),
        runs: rs.length, analogySd: sd(rs.map((r) => r.analogy)), wordsim353Sd: sd(rs.map((r) => r.wordsim353)),
        simlex999Sd: sd(rs.map((r) => r.simlex999)),
      };
    }
    const ours = by('ours');
    if (ours.length > 0) {
      // Where our time goes, and how close training runs to the cores' FMA peak.
      const r = (f) => mean(ours.map((x) => f(x.report, x)));
      line.phases = {
        vocabulary: r((p, x) => p.vocabularyMs / 1000 / x.wallSeconds),
        training: r((p, x) => p.trainingMs / 1000 / x.wallSeconds),
        saving: r((p, x) => p.saveMs / 1000 / x.wallSeconds),
      };
      line.phases.other = 1 - line.phases.vocabulary - line.phases.training - line.phases.saving;
      line.tokenizerMBps = r((p) => p.corpusBytes / 1e6 / (p.vocabularyMs / 1000));
      const negative = Number(CONFIGS[config][CONFIGS[config].indexOf('-negative') + 1]);
      if (negative > 0 && CONFIGS[config].includes('-hs') && CONFIGS[config][CONFIGS[config].indexOf('-hs') + 1] === '0') {
        // Per prediction: (1 + negative) x (a dot product and two axpys of dim floats) = 6 dim FLOPs each.
        line.flopsPerSecond = r((p) => (p.predictions * (1 + negative) * 6 * a.dim) / (p.trainingMs / 1000));
        line.flopEfficiency = line.flopsPerSecond / limits.peakFlops;
        // The same, over the runs whose two CPUs shared a cache (near) and the others (far).
        const rate = (x) => (x.report.predictions * (1 + negative) * 6 * a.dim) / (x.report.trainingMs / 1000) / limits.peakFlops;
        line.flopEfficiencyByPlacement = Object.fromEntries(Object.entries(byPlacement(ours)).map(([where, rs]) =>
          [where, { runs: rs.length, efficiency: rs.length ? mean(rs.map(rate)) : NaN }]));
      }
      line.trainingWordsPerSecond = r((p) => p.words / (p.trainingMs / 1000));
      if (a.scaling) {
        const one = results.filter((x) => x.config === config && x.program === 'ours-1thread');
        if (one.length > 0) {
          line.scaling = {
            training: line.trainingWordsPerSecond / mean(one.map((x) => x.report.words / (x.report.trainingMs / 1000))),
            wholeProcess: mean(one.map((x) => x.wallSeconds)) / line.ours.wallSeconds,
          };
        }
      }
    }
    const vo = by('original')[0]?.vocabFile, vu = by('ours')[0]?.vocabFile;
    if (vo && vu) line.vocabIdentical = sameVocabulary(vo, vu);
    if (line.ours && line.original) {
      line.ratios = {
        speedup: line.original.wallSeconds / line.ours.wallSeconds,
        memory: line.ours.peakRssMB / line.original.peakRssMB,
        analogyDelta: line.ours.analogy - line.original.analogy,
        wordsim353Delta: line.ours.wordsim353 - line.original.wordsim353,
        simlex999Delta: line.ours.simlex999 - line.original.simlex999,
      };
      // The original's mean wall time over ours's, each over its runs in one placement.
      const [o, u] = [byPlacement(by('original')), byPlacement(by('ours'))];
      line.speedupByPlacement = Object.fromEntries(['near', 'far'].map((where) => [where, {
        original: o[where].length, ours: u[where].length,
        speedup: o[where].length && u[where].length ? mean(o[where].map((r) => r.wallSeconds)) / mean(u[where].map((r) => r.wallSeconds)) : NaN,
      }]));
    }
    summary.push(line);
  }
  const runMeta = resultMeta(`node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim());
  const meta = { ...runMeta, corpus: relative(root, a.corpus), words, epochs: a.epochs, threads: a.threads, dim: a.dim, sample: a.sample, reps: a.reps, firstSeed: a.firstSeed, quick: a.quick, quality: a.quality, oursFlags: a.oursFlags };
  const fmt = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
  const md = [`Corpus ${meta.corpus} (${words} words), ${a.epochs} epoch(s), dim ${a.dim}, window 5, sample ${a.sample}, ${a.threads} threads, ${a.reps} rep(s)` +
    (a.quality ? '; quality: questions-words 3CosAdd over the top 30000 words (as compute-accuracy), Spearman on wordsim353 and simlex999.' : '; quality not measured (no evaluation files).'), '',
    '| config | program | wall s | words/s | peak RSS MB | analogy % | wordsim353 | simlex999 |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const s of summary) {
    for (const p of a.programs) {
      const x = s[p];
      md.push(`| ${s.config} | ${p} | ${x.wallSeconds.toFixed(1)} | ${Math.round(x.wordsPerSecond)} | ${x.peakRssMB} | ${fmt(x.analogy * 100, 1)} | ${fmt(x.wordsim353, 3)} | ${fmt(x.simlex999, 3)} |`);
    }
    if (s.ratios) md.push(`| ${s.config} | **ours vs original** | **${s.ratios.speedup.toFixed(2)}x faster** | | **${s.ratios.memory.toFixed(2)}x memory** | ${fmt(s.ratios.analogyDelta * 100, 1)} pts | ${fmt(s.ratios.wordsim353Delta, 3)} | ${fmt(s.ratios.simlex999Delta, 3)} |`);
  }
  if (a.quality && a.reps > 1) {
    // The quality goal compares means over runs: a single run moves by 1-1.5 analogy points.
    md.push('', `Quality over the ${a.reps} runs of each program (mean ± standard deviation; ours with -seed ${a.firstSeed} to ${a.firstSeed + a.reps - 1}, the original unseeded, its runs differing by thread timing only` +
      (a.programs.includes('original-seeded') ? `; original-seeded with W2V_ORIGINAL_SEED ${a.firstSeed} to ${a.firstSeed + a.reps - 1}` : '') + '):', '',
      '| config | program | runs | analogy % | wordsim353 | simlex999 |', '| --- | --- | ---: | ---: | ---: | ---: |');
    const pm = (m, d, scale, digits) => `${fmt(m * scale, digits)} ± ${fmt(d * scale, digits)}`;
    for (const s of summary) {
      for (const p of a.programs) {
        const x = s[p];
        md.push(`| ${s.config} | ${p} | ${x.runs} | ${pm(x.analogy, x.analogySd, 100, 2)} | ${pm(x.wordsim353, x.wordsim353Sd, 1, 3)} | ${pm(x.simlex999, x.simlex999Sd, 1, 3)} |`);
      }
      const verdict = (d) => (Number.isFinite(d) ? (d >= 0 ? 'at least' : 'below') : '-');
      for (const peer of ['original', 'original-seeded']) {
        if (!s.ours || !s[peer]) continue;
        const d = { analogy: s.ours.analogy - s[peer].analogy, ws: s.ours.wordsim353 - s[peer].wordsim353, sl: s.ours.simlex999 - s[peer].simlex999 };
        md.push(`| ${s.config} | **ours - ${peer} (means)** | | ${fmt(d.analogy * 100, 2)} pts (${verdict(d.analogy)}) | ${fmt(d.ws, 3)} (${verdict(d.ws)}) | ${fmt(d.sl, 3)} (${verdict(d.sl)}) |`);
      }
    }
  }
  if (a.oursFlags.length) md.push('', `Ours ran with the extra flags \`${a.oursFlags.join(' ')}\`.`);
  md.push('', `Where our time goes (share of our whole-process wall time), and training's arithmetic rate against the ${a.threads} cores' FMA peak measured in this run with the widest FMA unit the CPU has (${limits.fmaWidth}: ${(limits.peakFlops / 1e9).toFixed(0)} GFLOP/s; AVX2: ${(limits.peakFlopsAvx2 / 1e9).toFixed(0)}; bench/tools/peak-flops.c):`, '',
    '| config | vocabulary pass | training | saving | other (start, tables) | tokenizer MB/s | training words/s | GFLOP/s | of peak |' + (a.scaling ? ' 2 vs 1 thread (training, whole) |' : ''),
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |' + (a.scaling ? ' ---: |' : ''));
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  for (const s of summary) {
    if (!s.phases) continue;
    md.push(`| ${s.config} | ${pct(s.phases.vocabulary)} | ${pct(s.phases.training)} | ${pct(s.phases.saving)} | ${pct(s.phases.other)} | ${s.tokenizerMBps.toFixed(0)} | ${Math.round(s.trainingWordsPerSecond)} | ${s.flopsPerSecond ? (s.flopsPerSecond / 1e9).toFixed(1) : '-'} | ${s.flopEfficiency ? pct(s.flopEfficiency) : '-'} |` +
      (a.scaling ? ` ${s.scaling ? `${s.scaling.training.toFixed(2)}x, ${s.scaling.wholeProcess.toFixed(2)}x` : '-'} |` : ''));
  }
  md.push('', 'FLOPs count 6 x dim per predicted target (a dot product and two axpys), (1 + negative) targets per prediction; hierarchical softmax is not counted.');
  if (a.threads > 1) {
    // Where the host had put the two vCPUs before each run moves a 2-thread run's time by up to
    // 2x (bench/results/studies/two-thread-placement.md): the figures again, placement by placement.
    const where = `the round trip of a cache line between the two CPUs before and after each run, \`bench/tools/peak-flops --core-to-core\`: near, under ${NEAR_CORE_NS} ns both times, the two share a cache; far, ${NEAR_CORE_NS} ns or more both times, the line crosses chiplets; a run measured near once and far once was moved while it ran and counts in neither; bench/results/studies/two-thread-placement.md`;
    const part = (p) => (p.runs ? `${pct(p.efficiency)} over ${p.runs} run(s)` : 'no run');
    const placed = summary.filter((s) => s.flopEfficiencyByPlacement);
    if (placed.length) md.push('', `Training's share of the FMA peak by placement (${where}): ` +
      placed.map((s) => `${s.config} near ${part(s.flopEfficiencyByPlacement.near)}, far ${part(s.flopEfficiencyByPlacement.far)}`).join('; ') + '.');
    const ratio = (p) => `${Number.isFinite(p.speedup) ? `${p.speedup.toFixed(2)}x` : '-'} (ours ${p.ours} run(s), the original ${p.original})`;
    const ratios = summary.filter((s) => s.speedupByPlacement);
    if (ratios.length) md.push('', `Ours vs the original, whole process, by placement (each program's mean wall time over its runs in that placement${placed.length ? '' : `; ${where}`}): ` +
      ratios.map((s) => `${s.config} near ${ratio(s.speedupByPlacement.near)}, far ${ratio(s.speedupByPlacement.far)}`).join('; ') + '.');
    const ns = (v) => (v === null || v === undefined ? '-' : Math.round(v));
    const trips = (config, program) => results.filter((r) => r.config === config && r.program === program).map((r) => `${ns(r.coreToCoreNs)}/${ns(r.coreToCoreAfterNs)}`).join(', ');
    md.push('', 'Core-to-core round trip before/after each run, ns: ' + summary.map((s) => a.programs.map((p) => `${s.config} ${p} ${trips(s.config, p)}`).join('; ')).join('; ') + '.');
  }
  const vocabNote = summary.filter((s) => s.vocabIdentical !== undefined).map((s) => `${s.config}: ${s.vocabIdentical ? 'identical' : 'DIFFERENT'}`);
  if (vocabNote.length) md.push('', `-save-vocab of ours vs the original (same words, same counts): ${vocabNote.join(', ')}`);
  md.push('', `Wall time is the whole process (start, vocabulary, training, saving); words/s = corpus words x epochs / wall time.`);
  let queries;
  if (a.queries) {
    // In its own process, after the training runs, so neither disturbs the other's figures.
    const file = join(scratch, 'query-bench.json');
    const run = spawnSync(process.execPath, [join(root, 'bench', 'query.mjs'), '--threads', String(a.threads), '--json', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (run.status !== 0) throw new Error(`bench/query.mjs failed with status ${run.status}`);
    queries = JSON.parse(readFileSync(file, 'utf8'));
    md.push('', `Queries (node bench/query.mjs, ${queries.rows} x ${queries.dim} random vectors, ${queries.threads} threads, kernel ${queries.simd}):`, '',
      '| query | time | rate | vs the machine (same run) | goal |', '| --- | ---: | ---: | ---: | ---: |',
      `| one top-10 query | ${(queries.single.seconds * 1000).toFixed(1)} ms | ${(queries.single.bandwidth / 1e9).toFixed(1)} GB/s read | ${queries.single.ratio.toFixed(2)} x read-only scan bandwidth (${(queries.readBandwidth / 1e9).toFixed(1)} GB/s, measured) | >= 0.5 |`,
      `| ${queries.batch} top-10 queries | ${queries.batchQueries.seconds.toFixed(2)} s | ${(queries.batchQueries.flops / 1e9).toFixed(1)} GFLOP/s | ${queries.batchQueries.ratio.toFixed(2)} x FMA peak (${queries.fmaWidth}, ${(queries.peakFlops / 1e9).toFixed(0)} GFLOP/s, measured) | >= 0.25 |`);
  }
  md.push('', provenance(runMeta));
  const json = JSON.stringify({ meta, limits, results, summary, ...(queries ? { queries } : {}) }, null, 2) + '\n';
  const chart = ratioChart(summary, meta);
  const written = saveResult(a.name, meta, { md: md.join('\n') + '\n', json, svg: summary.some((x) => x.ratios) ? chart : undefined });
  if (a.out) {
    const stamp = meta.date.replace(/[:.]/g, '-');
    mkdirSync(a.out, { recursive: true });
    writeFileSync(join(a.out, `${stamp}.json`), json);
    writeFileSync(join(a.out, `${stamp}.md`), md.join('\n') + '\n');
    writeFileSync(join(a.out, `${stamp}.svg`), chart);
  }
  console.error(`bench: wrote ${Object.values(written).join(', ')}`);
  console.log(md.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
