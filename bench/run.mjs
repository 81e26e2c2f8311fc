#!/usr/bin/env node
// Side-by-side benchmark: the original word2vec C (npm package `word2vec`, built on install)
// and ours, same flags, same corpus, alternating runs. Measures whole-process wall time,
// training words/s, peak RSS, and quality (questions-words 3CosAdd top 30000, wordsim353,
// simlex999 Spearman), all evaluated by the same code for both programs.
//
//   node bench/run.mjs [--corpus FILE] [--epochs 5] [--threads 2] [--configs sg-neg,cbow-neg,sg-hs,cbow-hs]
//                      [--reps 1] [--programs original,ours] [--quick] [--out bench/results]
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { loadModel } = require(join(root, 'dist', 'cjs', 'index.js'));

const CONFIGS = {
  'sg-neg': ['-cbow', '0', '-hs', '0', '-negative', '5'],
  'cbow-neg': ['-cbow', '1', '-hs', '0', '-negative', '5'],
  'sg-hs': ['-cbow', '0', '-hs', '1', '-negative', '0'],
  'cbow-hs': ['-cbow', '1', '-hs', '1', '-negative', '0'],
};

function parseArgs(argv) {
  const a = {
    corpus: join(root, '..', 'shared', 'data', 'corpus', 'en-8m.txt.gz'),
    eval: join(root, '..', 'shared', 'data', 'eval'),
    epochs: 5, threads: 2, reps: 1, dim: 100, sample: '1e-4',
    configs: ['sg-neg'], programs: ['original', 'ours'], quick: false, out: join(root, 'bench', 'results'),
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
    else throw new Error(`unknown argument ${k}`);
  }
  for (const c of a.configs) if (!CONFIGS[c]) throw new Error(`unknown config ${c}; known: ${Object.keys(CONFIGS).join(', ')}`);
  if (a.quick) a.epochs = 1;
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
    // The first ~12 MB (about 2M words) of the corpus, cut at a line end.
    let kept = 0;
    stages.push(async function* (source) {
      for await (const chunk of source) {
        if (kept >= 12e6) break;
        let c = chunk;
        if (kept + c.length > 12e6) {
          const nl = c.indexOf(10, 12e6 - kept);
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

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { wallSeconds: Number(m[1]), peakRssMB: Number(m[2]) / 1024, stdout: r.stdout };
}

function countWords(path) {
  // Words the training counts per epoch: whitespace tokens (both tools read the same file).
  const r = spawnSync('wc', ['-w', path], { encoding: 'utf8' });
  return Number(r.stdout.trim().split(/\s+/)[0]);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const scratch = join(root, 'bench', 'scratch');
  mkdirSync(scratch, { recursive: true });
  mkdirSync(a.out, { recursive: true });
  const corpus = await plainCorpus(a.corpus, scratch, a.quick);
  const words = countWords(corpus);
  const original = join(root, 'node_modules', 'word2vec', 'src', 'word2vec');
  if (a.programs.includes('original') && !existsSync(original)) throw new Error(`the original word2vec is not built at ${original} (npm ci builds it)`);
  const programs = {
    original: (args) => [original, args],
    ours: (args) => [process.execPath, [join(root, 'dist', 'cjs', 'cli.js'), 'train', ...args]],
  };
  const results = [];
  console.error(`corpus ${corpus}: ${words} words; epochs ${a.epochs}, threads ${a.threads}`);
  for (const config of a.configs) {
    for (let rep = 0; rep < a.reps; rep++) {
      // Alternate which program goes first, so drift on a noisy machine falls on both.
      const order = rep % 2 === 0 ? a.programs : [...a.programs].reverse();
      for (const program of order) {
        const output = join(scratch, `${config}-${program}.bin`);
        const flags = ['-train', corpus, '-output', output, '-size', String(a.dim), '-window', '5', '-sample', a.sample,
          '-threads', String(a.threads), '-iter', String(a.epochs), '-min-count', '5', '-binary', '1', '-debug', '0', ...CONFIGS[config]];
        const [cmd, args] = programs[program](flags);
        console.error(`${config} ${program} rep ${rep + 1}: ${[cmd, ...args].join(' ')}`);
        const t = timed(cmd, args);
        const model = await loadModel(output);
        const analogy = await model.evaluateAnalogies(join(a.eval, 'questions-words.txt'), { restrictVocab: 30000 });
        const ws = await model.evaluateWordPairs(join(a.eval, 'wordsim353.tsv'));
        const sl = await model.evaluateWordPairs(join(a.eval, 'simlex999.txt'));
        const row = {
          config, program, rep, wallSeconds: t.wallSeconds, peakRssMB: Math.round(t.peakRssMB),
          wordsPerSecond: Math.round((words * a.epochs) / t.wallSeconds),
          analogy: analogy.accuracy, analogySeen: analogy.seen, wordsim353: ws.spearman, simlex999: sl.spearman, vocab: model.size,
        };
        console.error(JSON.stringify(row));
        results.push(row);
      }
    }
  }
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
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
      };
    }
    if (line.ours && line.original) {
      line.ratios = {
        speedup: line.original.wallSeconds / line.ours.wallSeconds,
        memory: line.ours.peakRssMB / line.original.peakRssMB,
        analogyDelta: line.ours.analogy - line.original.analogy,
        wordsim353Delta: line.ours.wordsim353 - line.original.wordsim353,
        simlex999Delta: line.ours.simlex999 - line.original.simlex999,
      };
    }
    summary.push(line);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const meta = { date: new Date().toISOString(), corpus: a.corpus, words, epochs: a.epochs, threads: a.threads, dim: a.dim, sample: a.sample, reps: a.reps, quick: a.quick };
  const md = [`Corpus ${a.corpus} (${words} words), ${a.epochs} epochs, dim ${a.dim}, window 5, sample ${a.sample}, ${a.threads} threads, ${a.reps} rep(s); command: node bench/run.mjs ${process.argv.slice(2).join(' ')}`, '',
    '| config | program | wall s | words/s | peak RSS MB | analogy % | wordsim353 | simlex999 |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const s of summary) {
    for (const p of a.programs) {
      const x = s[p];
      md.push(`| ${s.config} | ${p} | ${x.wallSeconds.toFixed(1)} | ${Math.round(x.wordsPerSecond)} | ${x.peakRssMB} | ${(x.analogy * 100).toFixed(1)} | ${x.wordsim353.toFixed(3)} | ${x.simlex999.toFixed(3)} |`);
    }
    if (s.ratios) md.push(`| ${s.config} | **ours vs original** | **${s.ratios.speedup.toFixed(2)}x faster** | | **${s.ratios.memory.toFixed(2)}x memory** | ${(s.ratios.analogyDelta * 100).toFixed(1)} pts | ${s.ratios.wordsim353Delta.toFixed(3)} | ${s.ratios.simlex999Delta.toFixed(3)} |`);
  }
  writeFileSync(join(a.out, `${stamp}.json`), JSON.stringify({ meta, results, summary }, null, 2));
  writeFileSync(join(a.out, `${stamp}.md`), md.join('\n') + '\n');
  console.log(md.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
