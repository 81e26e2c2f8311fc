#!/usr/bin/env node
// Graph embeddings (issue 17): our `w2v graph` (DeepWalk / node2vec walks fed to skip-gram)
// against PecanPy (SparseOTF mode, numba walks + gensim, run by ../shared/peers/pecanpy.sh),
// same graph, p, q, walk length, walks per node, window, dim, epochs and threads; then the
// scale run (1M nodes, 10M edges, ours only) and EGES with side information (in this process).
//
//   node bench/graph.mjs [--quick] [--threads 2] [--no-peers] [--no-scale] [--no-eges]
//                        [--no-first-order] [--graphs LIST] [--splits N] [--name NAME]
//                        (npm run bench -- graph [options])
//
// Graphs (made by bench/tools/graph-data.py, cached under bench/scratch/graph-data/, keyed by
// their parameters and the generator's source): LFR benchmark graphs (networkx) of 10k and 100k
// nodes, labels = planted communities (a planted-partition generator of ours stands in where
// LFR does not converge, and the result says so); Zachary's karate club (networkx, label: club)
// as a sanity row; the 20k-node, ~89k-edge planted-community graph with the settings the
// issue quotes PecanPy's 97.6 s for (10 walks of 40, window 5, dim 64).
// Per graph, at p = q = 1 and at p = 0.25, q = 4, each program runs twice as its own process,
// timed by /usr/bin/time (wall, peak RSS): on the whole graph (node classification) and on the
// graph with half its edges held out (link prediction). bench/tools/graph-eval.py scores both
// programs' vectors with the same code. The programs alternate which goes first.
// A full run takes about three hours on 2 cores (estimated from the parts: PecanPy on the 100k
// graph ~15 minutes a run, 5 runs; scoring the 100k graph's vectors ~6 minutes each; the scale
// run ~15 minutes); --quick (LFR 10k and the 20k graph, small EGES world, no scale run) about
// 20 minutes, --quick --no-peers 2.
// The result goes to bench/results/current/NAME.{md,json,svg} (bench/tools/results.mjs).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';

import { provenance, resultMeta, saveResult } from './tools/results.mjs';
import { mulberry32 } from './tools/random.mjs';
import { REPO_ROOT as root } from './tools/paths.mjs';

const api = await import(join(root, 'dist', 'esm', 'index.mjs'));

const USAGE = `node bench/graph.mjs [options]   (npm run bench -- graph [options])
  --quick            LFR 10k and the 20k planted graph only, a small EGES world, no scale run
  --threads N        threads for both programs (default 2)
  --graphs LIST      graphs to run, of: ${'karate,lfr-10k,lfr-100k,planted-20k'} (default all; --quick: lfr-10k,planted-20k),
                     or none (only the scale run and EGES)
  --splits N         random splits per quality figure (default 5; 3 for graphs over 50k nodes)
  --no-peers         ours only (PecanPy not run; no comparison)
  --no-first-order   skip the informational PecanPy FirstOrderUnweighted run at p = q = 1
  --no-scale         skip the 1M-node, 10M-edge run
  --scale-nodes N    nodes of the scale run (default 1000000; 10 edges a node); the goal is judged at 1M only
  --no-eges          skip the EGES part
  --name NAME        result name under bench/results/current (default graph, or graph-quick)`;

function parseArgs(argv) {
  const a = { quick: false, threads: 2, graphs: undefined, splits: undefined, peers: true, firstOrder: true, scale: true, scaleNodes: 1_000_000, eges: true, name: undefined };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value\n${USAGE}`);
      return argv[++i];
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--graphs') { const list = v(); a.graphs = list === 'none' ? [] : list.split(','); }
    else if (k === '--splits') a.splits = Number(v());
    else if (k === '--no-peers') a.peers = false;
    else if (k === '--no-first-order') a.firstOrder = false;
    else if (k === '--no-scale') a.scale = false;
    else if (k === '--scale-nodes') a.scaleNodes = Number(v());
    else if (k === '--no-eges') a.eges = false;
    else if (k === '--name') a.name = v();
    else if (k === '--help') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown argument ${k}\n${USAGE}`);
  }
  if (!Number.isInteger(a.threads) || a.threads < 1) throw new Error(`--threads must be a positive integer, got ${a.threads}`);
  if (!Number.isInteger(a.scaleNodes) || a.scaleNodes < 1000) throw new Error(`--scale-nodes must be an integer >= 1000, got ${a.scaleNodes}`);
  if (a.splits !== undefined && (!Number.isInteger(a.splits) || a.splits < 2)) throw new Error(`--splits must be an integer >= 2, got ${a.splits}`);
  a.graphs ??= a.quick ? ['lfr-10k', 'planted-20k'] : ['karate', 'lfr-10k', 'lfr-100k', 'planted-20k'];
  if (a.quick) a.scale = false;
  a.name ??= a.quick ? 'graph-quick' : 'graph';
  return a;
}

const args = parseArgs(process.argv.slice(2));
const THREADS = args.threads;
const PYTHON = '/usr/bin/python3';
const PECANPY = join(root, '..', 'shared', 'peers', 'pecanpy.sh');
const CLI = join(root, 'dist', 'cjs', 'cli.js');
const DATA_TOOL = join(root, 'bench', 'tools', 'graph-data.py');
const EVAL_TOOL = join(root, 'bench', 'tools', 'graph-eval.py');
const scratch = join(root, 'bench', 'scratch');
const dataDir = join(scratch, 'graph-data');
const runDir = join(scratch, 'graph-runs');
mkdirSync(dataDir, { recursive: true });
mkdirSync(runDir, { recursive: true });

const started = performance.now();
const log = (msg) => console.error(`[graph ${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${msg}`);

// ---------------------------------------------------------------- what runs

/** node2vec's and PecanPy's defaults, and the issue's CLI defaults. */
const DEFAULT_SETTINGS = { walkLength: 80, walksPerNode: 10, window: 10, dim: 128, epochs: 1, negative: 5 };
/** The settings the issue quotes PecanPy's 97.6 s for, on the 20k graph. */
const ISSUE_SETTINGS = { walkLength: 40, walksPerNode: 10, window: 5, dim: 64, epochs: 1, negative: 5 };
const WALK_BIASES = [{ p: 1, q: 1 }, { p: 0.25, q: 4 }];

/** Our planted-partition stand-in with an LFR graph's sizes (used when LFR does not converge). */
function plantedLike(lfr) {
  // Degree propensities are a power law on [1, R] with mean about (tau1 - 1) / (tau1 - 2):
  // R scales the largest expected degree to LFR's maxDegree.
  const mean = (lfr.tau1 - 1) / (lfr.tau1 - 2);
  return {
    nodes: lfr.nodes, edges: Math.round((lfr.nodes * lfr.averageDegree) / 2), tau1: lfr.tau1, tau2: lfr.tau2, mu: lfr.mu,
    maxDegreeRatio: (lfr.maxDegree / lfr.averageDegree) * mean, minCommunity: lfr.minCommunity, maxCommunity: lfr.maxCommunity, seed: lfr.seed,
  };
}

const LFR_10K = { nodes: 10_000, tau1: 2.5, tau2: 1.5, mu: 0.3, averageDegree: 10, maxDegree: 100, minCommunity: 20, maxCommunity: 500, seed: 1, seeds: 5 };
const LFR_100K = { nodes: 100_000, tau1: 2.5, tau2: 1.5, mu: 0.3, averageDegree: 10, maxDegree: 300, minCommunity: 50, maxCommunity: 2000, seed: 1, seeds: 5 };
const GRAPHS = {
  karate: { kind: 'karate', params: {}, settings: DEFAULT_SETTINGS, sanity: true,
    about: "Zachary's karate club as networkx ships it; label: the 'club' attribute (2 clubs). A sanity row: 17 test nodes a split, so F1 moves by 0.06 a node; not one of the goals." },
  'lfr-10k': { kind: 'lfr', params: LFR_10K, fallback: plantedLike(LFR_10K), settings: DEFAULT_SETTINGS, lfrTimeoutSeconds: 1200,
    about: 'LFR benchmark graph (networkx.LFR_benchmark_graph): degree exponent 2.5, community size exponent 1.5, mixing 0.3, mean degree 10, max degree 100, communities of 20-500 nodes; label: the community.' },
  'lfr-100k': { kind: 'lfr', params: LFR_100K, fallback: plantedLike(LFR_100K), settings: DEFAULT_SETTINGS, lfrTimeoutSeconds: 1800,
    about: 'LFR benchmark graph (networkx.LFR_benchmark_graph): degree exponent 2.5, community size exponent 1.5, mixing 0.3, mean degree 10, max degree 300, communities of 50-2000 nodes; label: the community.' },
  'planted-20k': { kind: 'planted', params: { nodes: 20_000, edges: 89_000, tau1: 2.5, tau2: 1.5, mu: 0.3, maxDegreeRatio: 50, minCommunity: 20, maxCommunity: 1000, seed: 1 },
    settings: ISSUE_SETTINGS, issue: { seconds: 97.6, megabytes: 421 },
    about: "Degree-corrected planted partition (ours, numpy; bench/tools/graph-data.py): 20k nodes, 89k edges, degree exponent 2.5, mixing 0.3, communities of 20-1000 nodes; the issue's PecanPy timing graph, with its settings." },
};
for (const g of args.graphs) if (!GRAPHS[g]) throw new Error(`unknown graph ${g}; known: ${Object.keys(GRAPHS).join(', ')}`);

const SCALE = { nodes: args.scaleNodes, edges: 10 * args.scaleNodes, tau1: 2.5, tau2: 1.5, mu: 0.3, maxDegreeRatio: 100, minCommunity: 20, maxCommunity: 1000, seed: 1, labels: false };
const SCALE_LIMIT_BYTES = 3e9;

const EGES_WORLD = {
  items: args.quick ? 5_000 : 20_000, groups: args.quick ? 50 : 200, categories: 20, brandsPerGroup: 3, attributeNoise: 0.1,
  heldOut: 0.05, few: 0.2, tau1: 2.5, minDegree: 3, maxDegree: 100, edgeNoise: 0.15, seed: 17,
};
const EGES_SETTINGS = { walkLength: 40, walksPerNode: 10, window: 5, dim: 64, epochs: 1, negative: 5 };
const K = 10;

// ---------------------------------------------------------------- helpers

const sha1 = (text) => createHash('sha1').update(text).digest('hex');
const keyOf = (params) => sha1(JSON.stringify(params)).slice(0, 12);
const GENERATOR = sha1(readFileSync(DATA_TOOL)).slice(0, 8);
const mib = (kb) => kb / 1024;
/** A path under the repository as a relative one, for the log. */
const shortPath = (x) => (x.startsWith(root + '/') ? relative(root, x) : x);

const rng = mulberry32;

/** Runs a command under /usr/bin/time: wall seconds and peak RSS (KiB) of the process. */
function timed(cmd, argv, { timeoutSeconds } = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', cmd, ...argv], {
    encoding: 'utf8', maxBuffer: 1 << 28, ...(timeoutSeconds ? { timeout: timeoutSeconds * 1000 } : {}),
  });
  const m = /__TIME__ ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) {
    const why = r.error ? String(r.error) : `exit status ${r.status}${r.signal ? `, signal ${r.signal}` : ''}`;
    return { error: `${why}: ${(r.stderr ?? '').split('\n').filter((l) => l.trim()).slice(-3).join(' | ').slice(0, 400)}` };
  }
  return { wallSeconds: Number(m[1]), peakRssKB: Number(m[2]), stdout: r.stdout, stderr: r.stderr };
}

function python(argv, what) {
  const r = spawnSync(PYTHON, argv, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------- tools and peers

function toolCheck() {
  const has = (m) => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${m}`], { stdio: 'ignore' }).status === 0;
  const want = { numpy: 'python3-numpy', networkx: 'python3-networkx', sklearn: 'python3-sklearn', scipy: 'python3-scipy', ...(args.peers ? { numba: 'python3-numba', gensim: 'python3-gensim' } : {}) };
  const missing = () => Object.keys(want).filter((m) => !has(m));
  let m = missing();
  if (m.length > 0 && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const pkgs = m.map((x) => want[x]);
    log(`tools: ${m.join(', ')} missing; apt-get install ${pkgs.join(' ')}`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    m = missing();
  }
  const notes = [];
  if (m.includes('numpy')) throw new Error(`${PYTHON} has no numpy (Debian python3-numpy), which makes every graph here; install it`);
  const networkx = !m.includes('networkx');
  if (!networkx) notes.push('networkx (Debian python3-networkx) is missing and could not be installed: LFR graphs are replaced by our planted-partition generator and the karate club is skipped');
  const quality = !m.includes('sklearn') && !m.includes('scipy');
  if (!quality) notes.push('scikit-learn or scipy (Debian python3-sklearn, python3-scipy) is missing and could not be installed: quality (node classification, link prediction) is not measured');
  let peer = args.peers;
  if (peer && (m.includes('numba') || m.includes('gensim'))) {
    notes.push('PecanPy\'s dependencies (Debian python3-numba, python3-gensim) are missing and could not be installed: PecanPy was not run');
    peer = false;
  }
  if (peer && !existsSync(PECANPY)) {
    notes.push(`PecanPy is not at ${PECANPY}: it was not run`);
    peer = false;
  }
  for (const n of notes) log(`tools: ${n}`);
  let versions = {};
  if (peer) {
    versions = python(['-c', 'import json, numba, gensim, numpy, sklearn, networkx; print(json.dumps({"numba": numba.__version__, "gensim": gensim.__version__, "numpy": numpy.__version__, "sklearn": sklearn.__version__, "networkx": networkx.__version__}))'], 'version probe');
  }
  return { networkx, quality, peer, notes, versions };
}

// ---------------------------------------------------------------- data

/** A graph's files (edges.tsv, labels.tsv, info.json), made once and cached. */
function graphData(name, spec, tools) {
  let kind = spec.kind;
  let params = spec.params;
  let fallbackReason;
  if (kind === 'lfr' && !tools.networkx) {
    kind = 'planted';
    params = spec.fallback;
    fallbackReason = 'networkx is not installed';
  }
  const make = (k, p, timeoutSeconds) => {
    const dir = join(dataDir, `${name}-${k}-${keyOf({ k, p, GENERATOR })}`);
    if (existsSync(join(dir, 'info.json'))) {
      const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8'));
      log(`${name}: cached ${relative(root, dir)} (${info.nodes} nodes, ${info.edges} edges; made in ${info.seconds.toFixed(1)} s)`);
      return { dir, info };
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'params.json'), JSON.stringify(p));
    log(`${name}: generating (${k}) in ${relative(root, dir)}`);
    const t = performance.now();
    const r = spawnSync(PYTHON, [DATA_TOOL, k, dir, join(dir, 'params.json')], {
      encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'], ...(timeoutSeconds ? { timeout: timeoutSeconds * 1000 } : {}),
    });
    const seconds = (performance.now() - t) / 1000;
    if (r.status !== 0 || r.error) {
      rmSync(dir, { recursive: true, force: true });
      const why = r.error?.code === 'ETIMEDOUT' ? `did not finish in ${timeoutSeconds} s` : `${r.status}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`;
      return { error: why, seconds };
    }
    const info = JSON.parse(r.stdout);
    log(`${name}: ${info.nodes} nodes, ${info.edges} edges${info.labels ? `, ${info.labels} labels` : ''} in ${info.seconds.toFixed(1)} s`);
    return { dir, info };
  };
  let made = make(kind, params, spec.lfrTimeoutSeconds);
  if (made.error && kind === 'lfr') {
    fallbackReason = `networkx's LFR generator failed (${made.error}, after ${made.seconds.toFixed(0)} s)`;
    log(`${name}: ${fallbackReason}; our planted-partition generator instead`);
    kind = 'planted';
    made = make(kind, spec.fallback);
  }
  if (made.error) throw new Error(`${name}: generating the graph failed: ${made.error}`);
  return { name, kind, ...made, fallbackReason, edges: join(made.dir, 'edges.tsv'), labels: join(made.dir, 'labels.tsv') };
}

/** The link-prediction split of a graph: residual.tsv and pairs.tsv, cached beside it. */
function linkSplit(graph) {
  const params = { edges: graph.edges, seed: 1, heldOut: 0.5 };
  const dir = join(graph.dir, `linkpred-${keyOf({ seed: params.seed, heldOut: params.heldOut, GENERATOR })}`);
  if (!existsSync(join(dir, 'info.json'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
    python([DATA_TOOL, 'split', dir, join(dir, 'params.json')], `${graph.name}: link-prediction split`);
  }
  const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8'));
  return { dir, info, residual: join(dir, 'residual.tsv'), pairs: join(dir, 'pairs.tsv') };
}

// ---------------------------------------------------------------- programs

/** PecanPy's stage timings from its "Took hh:mm:ss.ss to ..." lines. */
function pecanpyStages(text) {
  const stages = {};
  for (const m of text.matchAll(/Took (\d+):(\d+):([\d.]+) to ([^\n]+)/g)) stages[m[4].trim()] = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return stages;
}

const PROGRAMS = {
  ours: {
    label: 'ours (w2v graph)',
    command: (input, output, s, bias, report) => [process.execPath, [CLI, 'graph', '-input', input, '-output', output,
      '-p', String(bias.p), '-q', String(bias.q), '-walk-length', String(s.walkLength), '-walks', String(s.walksPerNode),
      '-window', String(s.window), '-size', String(s.dim), '-iter', String(s.epochs), '-negative', String(s.negative),
      '-threads', String(THREADS), '-binary', '0', '-seed', '1', '-debug', '0', '-report', report]],
    stages: (_run, report) => {
      try {
        const r = JSON.parse(readFileSync(report, 'utf8'));
        return { 'walks + training': r.trainMs / 1000, save: r.saveMs / 1000 };
      } catch {
        return {};
      }
    },
  },
  pecanpy: {
    label: 'PecanPy SparseOTF',
    command: (input, output, s, bias) => [PECANPY, pecanpyArgs(input, output, s, bias, 'SparseOTF')],
    stages: (run) => pecanpyStages(run.stdout + run.stderr),
  },
  'pecanpy-first-order': {
    label: 'PecanPy FirstOrderUnweighted',
    informational: true,
    command: (input, output, s, bias) => [PECANPY, pecanpyArgs(input, output, s, bias, 'FirstOrderUnweighted')],
    stages: (run) => pecanpyStages(run.stdout + run.stderr),
  },
};

function pecanpyArgs(input, output, s, bias, mode) {
  return ['--input', input, '--output', output, '--mode', mode, '--p', String(bias.p), '--q', String(bias.q),
    '--walk-length', String(s.walkLength), '--num-walks', String(s.walksPerNode), '--window-size', String(s.window),
    '--dimensions', String(s.dim), '--epochs', String(s.epochs), '--workers', String(THREADS), '--random_state', '1'];
}

/** Runs `programs` on `input` (in reverse order when `reversed`), scores each one's vectors, removes them. */
function runAll(programs, input, s, bias, evaluate, tag, reversed) {
  const order = reversed ? [...programs].reverse() : programs;
  const out = {};
  for (const program of order) {
    const p = PROGRAMS[program];
    const vectors = join(runDir, `${tag}-${program}.vec`);
    const report = join(runDir, `${tag}-${program}.report.json`);
    rmSync(vectors, { force: true });
    const [cmd, argv] = p.command(input, vectors, s, bias, report);
    log(`${tag} ${program}: ${[cmd, ...argv].map(shortPath).join(' ')}`);
    const run = timed(cmd, argv);
    if (run.error) {
      log(`${tag} ${program}: FAILED ${run.error}`);
      out[program] = { error: run.error };
      continue;
    }
    const result = { wallSeconds: run.wallSeconds, peakRssMiB: mib(run.peakRssKB), stages: p.stages(run, report) };
    log(`${tag} ${program}: ${run.wallSeconds.toFixed(1)} s, ${result.peakRssMiB.toFixed(0)} MiB`);
    try {
      Object.assign(result, evaluate(vectors));
    } catch (err) {
      result.evalError = String(err.message ?? err).slice(0, 400);
      log(`${tag} ${program}: evaluation failed: ${result.evalError}`);
    }
    out[program] = result;
    rmSync(vectors, { force: true });
    rmSync(report, { force: true });
  }
  return out;
}

// ---------------------------------------------------------------- the comparison

const meta = resultMeta(`node bench/graph.mjs ${process.argv.slice(2).join(' ')}`.trim());
const tools = toolCheck();
log(`${args.quick ? 'QUICK ' : ''}run: ${THREADS} threads; graphs ${args.graphs.join(', ')}; PecanPy ${tools.peer ? 'on' : 'off'}; kernel ${api.simd()}`);

const graphs = [];
const comparisons = [];
for (const name of args.graphs) {
  const spec = GRAPHS[name];
  if (spec.kind === 'karate' && !tools.networkx) continue;
  const graph = graphData(name, spec, tools);
  const split = linkSplit(graph);
  const hasLabels = existsSync(graph.labels);
  const splits = args.splits ?? (graph.info.nodes > 50_000 ? 3 : 5);
  graphs.push({ name, about: spec.about, sanity: !!spec.sanity, kind: graph.kind, fallbackReason: graph.fallbackReason, info: graph.info, split: split.info, settings: spec.settings, splits, issue: spec.issue });
  const classify = (vectors) => (tools.quality && hasLabels ? python([EVAL_TOOL, vectors, '--labels', graph.labels, '--splits', String(splits)], 'graph-eval.py') : {});
  const predict = (vectors) => (tools.quality ? python([EVAL_TOOL, vectors, '--pairs', split.pairs, '--splits', String(splits)], 'graph-eval.py') : {});
  for (const bias of WALK_BIASES) {
    const tag = `${name}-p${bias.p}-q${bias.q}`;
    const firstOrder = tools.peer && args.firstOrder && bias.p === 1 && bias.q === 1;
    const programs = ['ours', ...(tools.peer ? ['pecanpy'] : []), ...(firstOrder ? ['pecanpy-first-order'] : [])];
    // Who goes first alternates from one comparison to the next, and between the two runs of one.
    const flip = comparisons.length % 2 === 1;
    const whole = runAll(programs, graph.edges, spec.settings, bias, classify, `${tag}-whole`, flip);
    const residual = runAll(programs.filter((p) => !PROGRAMS[p].informational), split.residual, spec.settings, bias, predict, `${tag}-residual`, !flip);
    comparisons.push({ graph: name, sanity: !!spec.sanity, ...bias, whole, residual });
  }
}

// ---------------------------------------------------------------- scale

let scale;
if (args.scale) {
  const graph = graphData(`scale-${args.scaleNodes}`, { kind: 'planted', params: SCALE }, tools);
  const output = join(runDir, 'scale.bin');
  const report = join(runDir, 'scale.report.json');
  const s = DEFAULT_SETTINGS;
  const argv = [CLI, 'graph', '-input', graph.edges, '-output', output, '-p', '1', '-q', '1', '-walk-length', String(s.walkLength),
    '-walks', String(s.walksPerNode), '-threads', String(THREADS), '-binary', '1', '-seed', '1', '-debug', '0', '-report', report];
  log(`scale: node ${argv.map(shortPath).join(' ')}`);
  const run = timed(process.execPath, argv);
  scale = { graph: graph.info, settings: { ...s, p: 1, q: 1, output: 'word2vec binary' } };
  if (run.error) {
    scale.error = run.error;
    log(`scale: FAILED ${run.error}`);
  } else {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    Object.assign(scale, { wallSeconds: run.wallSeconds, peakRssBytes: run.peakRssKB * 1024, trainSeconds: r.trainMs / 1000, saveSeconds: r.saveMs / 1000, nodesEmbedded: r.nodes, words: r.words });
    log(`scale: ${run.wallSeconds.toFixed(1)} s, ${(scale.peakRssBytes / 1e9).toFixed(2)} GB peak`);
  }
  rmSync(output, { force: true });
  rmSync(report, { force: true });
}

// ---------------------------------------------------------------- EGES (in this process)

/** Reads items.tsv: every item's group, category, brand and role. */
function readItems(path) {
  const items = new Map();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const [id, group, category, brand, role] = line.split('\t');
    items.set(id, { id, group: Number(group), category, brand, role });
  }
  return items;
}

/** Top-k node ids (strings) for each query row, by cosine, `self` rows left out where given. */
async function topK(nodes, queries, k, selfRows) {
  const extra = selfRows ? 1 : 0;
  const { ids } = await nodes.model.nearest(queries, k + extra, { threads: THREADS });
  const out = [];
  const count = queries.length / nodes.dim;
  for (let q = 0; q < count; q++) {
    const row = [];
    for (let j = 0; j < k + extra && row.length < k; j++) {
      const id = ids[q * (k + extra) + j];
      if (id < 0 || (selfRows && id === selfRows[q])) continue;
      row.push(String(nodes.nodes[id]));
    }
    out.push(row);
  }
  return out;
}

/** Share of each few-edge (or regular) item's k nearest that are of its group, mean over items. */
async function groupPrecision(nodes, items, role) {
  const members = [...items.values()].filter((it) => it.role === role && nodes.idOf(it.id) !== undefined);
  const queries = new Float32Array(members.length * nodes.dim);
  members.forEach((it, i) => queries.set(nodes.vector(it.id), i * nodes.dim));
  const self = Int32Array.from(members, (it) => nodes.idOf(it.id));
  const near = await topK(nodes, queries, K, self);
  let sum = 0;
  near.forEach((row, i) => {
    sum += row.filter((id) => items.get(id).group === members[i].group).length / K;
  });
  return { items: members.length, precisionAt10: members.length ? sum / members.length : NaN };
}

async function egesPart() {
  const dir = join(dataDir, `eges-${keyOf({ EGES_WORLD, GENERATOR })}`);
  if (!existsSync(join(dir, 'info.json'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'params.json'), JSON.stringify(EGES_WORLD));
    python([DATA_TOOL, 'items', dir, join(dir, 'params.json')], 'EGES items');
  }
  const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8'));
  log(`eges: ${info.nodes} items in the graph, ${info.edges} edges, ${info.heldOut} held out, ${info.few} with 1-2 edges`);
  const items = readItems(join(dir, 'items.tsv'));
  const edges = join(dir, 'edges.tsv');
  const s = EGES_SETTINGS;
  const base = { p: 1, q: 1, walkLength: s.walkLength, walksPerNode: s.walksPerNode, window: s.window, dim: s.dim, epochs: s.epochs, negative: s.negative, threads: THREADS, seed: 1 };
  const out = { world: info, settings: s, modes: {} };
  const trained = {};
  for (const mode of ['deepwalk', 'eges', 'ges']) {
    const options = mode === 'deepwalk' ? base : { ...base, sideInfo: join(dir, 'side.tsv'), sideInfoMode: mode };
    const t = performance.now();
    try {
      trained[mode] = await api.trainGraph(edges, options);
    } catch (err) {
      out.modes[mode] = { error: String(err.message ?? err).slice(0, 300) };
      log(`eges: ${mode} failed: ${out.modes[mode].error}`);
      continue;
    }
    const seconds = (performance.now() - t) / 1000;
    const nodes = trained[mode];
    const few = await groupPrecision(nodes, items, 'few');
    const regular = await groupPrecision(nodes, items, 'regular');
    out.modes[mode] = { seconds, nodes: nodes.size, few, regular };
    log(`eges: ${mode} ${seconds.toFixed(1)} s; few-edge items' group precision@10 ${few.precisionAt10.toFixed(3)}, regular ${regular.precisionAt10.toFixed(3)}`);
  }
  const eges = trained.eges;
  if (eges) {
    // Cold start: held-out items (no edges, not in the side-information file) from their attributes alone.
    const heldOut = [...items.values()].filter((it) => it.role === 'heldout');
    const known = [];
    let unknown = 0;
    for (const it of heldOut) {
      try {
        known.push({ it, vector: eges.coldStart({ attributes: [it.category, it.brand] }) });
      } catch {
        unknown++; // none of its attribute values occurs in the graph: counted as a miss
      }
    }
    const dim = eges.dim;
    const cold = new Float32Array(known.length * dim);
    known.forEach((k, i) => cold.set(k.vector, i * dim));
    const next = rng(EGES_WORLD.seed);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const random = Float32Array.from({ length: heldOut.length * dim }, gaussian);
    const hitRate = (near, list) => near.filter((row, i) => row.some((id) => items.get(id).group === list[i].group)).length / heldOut.length;
    const coldHits = hitRate(await topK(eges, cold, K), known.map((k) => k.it));
    const randomHits = hitRate(await topK(eges, random, K), heldOut);
    out.coldStart = { heldOut: heldOut.length, unknownAttributes: unknown, hitRate: coldHits, randomHitRate: randomHits, ratio: coldHits / randomHits };
    log(`eges: cold start: ${(coldHits * 100).toFixed(1)}% of held-out items have their group in their top-10, random vectors ${(randomHits * 100).toFixed(1)}%`);
  }
  for (const nodes of Object.values(trained)) nodes.dispose();
  return out;
}

let eges;
if (args.eges) {
  eges = await egesPart();
}

// ---------------------------------------------------------------- goals

const fmt = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
const biasLabel = (c) => `p ${c.p}, q ${c.q}`;
const gated = comparisons.filter((c) => !c.sanity);
const goals = [];
const goal = (name, pass, measured) => goals.push({ name, status: pass === undefined ? 'NOT MEASURED' : pass ? 'PASS' : 'FAIL', measured });

if (!tools.peer) {
  const why = args.peers ? 'PecanPy could not run (see the note above)' : 'PecanPy not run (--no-peers)';
  for (const name of ['Node classification Macro-F1', 'Node classification Micro-F1', 'Link prediction AUC', 'Speed', 'Peak memory']) goal(`${name} against PecanPy`, undefined, why);
} else {
  const quality = (label, pick) => {
    const rows = gated.map((c) => ({ c, ours: pick(c, 'ours'), peer: pick(c, 'pecanpy') })).filter((r) => Number.isFinite(r.ours) && Number.isFinite(r.peer));
    const pass = rows.length === 0 ? undefined : rows.every((r) => r.ours >= r.peer - 0.01);
    goal(`${label}: ours >= PecanPy's - 0.01, each graph and p, q`, pass,
      rows.map((r) => `${r.c.graph} ${biasLabel(r.c)}: ${fmt(r.ours)} vs ${fmt(r.peer)} (${r.ours >= r.peer ? '+' : ''}${fmt(r.ours - r.peer)})`).join('; '));
  };
  quality('Node classification Macro-F1', (c, p) => c.whole[p]?.classification?.macroF1);
  quality('Node classification Micro-F1', (c, p) => c.whole[p]?.classification?.microF1);
  quality('Link prediction AUC', (c, p) => c.residual[p]?.linkPrediction?.auc);
  for (const bias of WALK_BIASES) {
    const rows = gated.filter((c) => c.p === bias.p && c.q === bias.q && c.whole.ours?.wallSeconds && c.whole.pecanpy?.wallSeconds);
    const ratio = (c) => c.whole.pecanpy.wallSeconds / c.whole.ours.wallSeconds;
    goal(`Speed at p ${bias.p}, q ${bias.q}: ours >= 5x faster than PecanPy end to end (whole graph)`, rows.length ? rows.every((c) => ratio(c) >= 5) : undefined,
      rows.map((c) => `${c.graph}: ${fmt(ratio(c), 1)}x (${fmt(c.whole.ours.wallSeconds, 1)} s vs ${fmt(c.whole.pecanpy.wallSeconds, 1)} s)`).join('; '));
  }
  const memRows = gated.filter((c) => c.whole.ours?.peakRssMiB && c.whole.pecanpy?.peakRssMiB);
  goal('Peak memory: ours <= PecanPy\'s (whole graph, each graph and p, q)', memRows.length ? memRows.every((c) => c.whole.ours.peakRssMiB <= c.whole.pecanpy.peakRssMiB) : undefined,
    memRows.map((c) => `${c.graph} ${biasLabel(c)}: ${fmt(c.whole.ours.peakRssMiB, 0)} vs ${fmt(c.whole.pecanpy.peakRssMiB, 0)} MiB`).join('; '));
}
if (scale) {
  const atGoalSize = args.scaleNodes === 1_000_000;
  goal(`Scale: 1M nodes, 10M edges, p = q = 1, 10 walks of 80, peak memory <= 3 GB${atGoalSize ? '' : ` (run at ${SCALE.nodes.toLocaleString('en-US')} nodes instead: not judged)`}`,
    !atGoalSize ? undefined : scale.error ? false : scale.peakRssBytes <= SCALE_LIMIT_BYTES,
    scale.error ? `failed: ${scale.error}` : `${fmt(scale.wallSeconds, 1)} s, peak RSS ${fmt(scale.peakRssBytes / 1e9, 2)} GB`);
}
if (eges) {
  const cs = eges.coldStart;
  goal('EGES cold start: held-out items find their group in their top-10 >= 3x as often as random vectors', cs ? cs.ratio >= 3 : undefined,
    cs ? `${fmt(cs.hitRate * 100, 1)}% vs ${fmt(cs.randomHitRate * 100, 1)}% (${fmt(cs.ratio, 1)}x)` : `not measured: ${eges.modes.eges?.error ?? 'no EGES model'}`);
  const e = eges.modes.eges?.few?.precisionAt10, d = eges.modes.deepwalk?.few?.precisionAt10;
  goal('EGES places items with few edges better than DeepWalk (own group among top-10)', Number.isFinite(e) && Number.isFinite(d) ? e > d : undefined,
    Number.isFinite(e) && Number.isFinite(d) ? `EGES ${fmt(e)} vs DeepWalk ${fmt(d)}` : `not measured: ${eges.modes.eges?.error ?? eges.modes.deepwalk?.error ?? ''}`);
}

// ---------------------------------------------------------------- report

const json = JSON.stringify({
  meta: { ...meta, quick: args.quick, threads: THREADS, simd: api.simd(), peers: tools.peer ? tools.versions : null, notes: tools.notes, args },
  goals, graphs, comparisons, scale, eges,
}, null, 2) + '\n';

const settingsLine = (s) => `${s.walksPerNode} walks of ${s.walkLength} per node, window ${s.window}, dim ${s.dim}, ${s.epochs} epoch${s.epochs > 1 ? 's' : ''}, negative ${s.negative}`;
const md = [`# Graph embeddings: ours (w2v graph) vs PecanPy${args.quick ? ' (quick run)' : ''}`, ''];
md.push(`${THREADS} threads for both programs; each run a process of its own, timed by \`/usr/bin/time -f '%e %M'\` (wall seconds, peak RSS); the two programs alternate which goes first. Ratios come from the same run. Machine: ${meta.machineLine}; kernel ${api.simd()}.`, '');
for (const n of tools.notes) md.push(`Note: ${n}.`, '');
md.push('## Goals (issue 17)', '', '| goal | status | measured |', '| --- | --- | --- |');
for (const g of goals) md.push(`| ${g.name} | ${g.status === 'FAIL' ? '**FAIL**' : g.status} | ${g.measured || '-'} |`);
md.push('', 'Quality and speed goals are judged on the generated graphs; the karate club is a sanity row (too small for a 0.01 margin).', '');

md.push('## Graphs', '', '| graph | made by | nodes | edges | labels | mean degree | within-label edges | settings |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (const g of graphs) {
  md.push(`| ${g.name} | ${g.info.generator}${g.fallbackReason ? ` (instead of LFR: ${g.fallbackReason})` : g.info.seedUsed !== undefined && g.info.seedUsed !== g.info.params.seed ? ` (seed ${g.info.seedUsed}: earlier seeds did not converge)` : ''} | ${g.info.nodes.toLocaleString('en-US')} | ${g.info.edges.toLocaleString('en-US')} | ${g.info.labels} | ${fmt(g.info.meanDegree, 1)} | ${fmt(g.info.withinLabelShare * 100, 1)}% | ${settingsLine(g.settings)} |`);
}
md.push('');
for (const g of graphs) md.push(`- ${g.name}: ${g.about}${g.fallbackReason ? ` Generated by our planted-partition generator instead, because ${g.fallbackReason}.` : ''} Generated in ${fmt(g.info.seconds, 1)} s.`);
md.push('');

const cell = (r, key) => {
  if (!r) return '-';
  if (r.error) return 'failed';
  return fmt(r[key]?.macroF1 ?? r[key]?.auc);
};
md.push('## Quality and speed by graph', '');
md.push('Whole graph: wall time, peak RSS, node classification. Residual graph (half the edges held out): its own run\'s wall time, link prediction AUC.', '');
md.push('| graph | p, q | program | wall s | peak MiB | Macro-F1 | Micro-F1 | residual: wall s | AUC | PecanPy / ours time | ours / PecanPy memory |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const c of comparisons) {
  for (const program of Object.keys(PROGRAMS)) {
    const w = c.whole[program], r = c.residual[program];
    if (!w && !r) continue;
    const ratio = program === 'pecanpy' && w?.wallSeconds && c.whole.ours?.wallSeconds ? `${fmt(w.wallSeconds / c.whole.ours.wallSeconds, 1)}x` : program === 'pecanpy-first-order' && w?.wallSeconds && c.whole.ours?.wallSeconds ? `(${fmt(w.wallSeconds / c.whole.ours.wallSeconds, 1)}x)` : '';
    const mem = program === 'pecanpy' && w?.peakRssMiB && c.whole.ours?.peakRssMiB ? fmt(c.whole.ours.peakRssMiB / w.peakRssMiB, 2) : '';
    md.push(`| ${c.graph}${c.sanity ? ' (sanity)' : ''} | ${c.p}, ${c.q} | ${PROGRAMS[program].label}${PROGRAMS[program].informational ? ' (informational)' : ''} | ${w?.error ? 'failed' : fmt(w?.wallSeconds, 1)} | ${fmt(w?.peakRssMiB, 0)} | ${w?.error ? '-' : fmt(w?.classification?.macroF1)} | ${w?.error ? '-' : fmt(w?.classification?.microF1)} | ${r?.error ? 'failed' : fmt(r?.wallSeconds, 1)} | ${cell(r, 'linkPrediction')} | ${ratio} | ${mem} |`);
  }
}
md.push('');
const failures = comparisons.flatMap((c) => Object.entries({ ...Object.fromEntries(Object.entries(c.whole).map(([k, v]) => [`${k} whole`, v])), ...Object.fromEntries(Object.entries(c.residual).map(([k, v]) => [`${k} residual`, v])) })
  .filter(([, v]) => v.error || v.evalError).map(([k, v]) => `${c.graph} ${biasLabel(c)} ${k}: ${v.error ?? v.evalError}`));
for (const f of failures) md.push(`- Failed: ${f}`);
if (failures.length) md.push('');

if (tools.peer) {
  md.push('Stages (seconds, as each program reports them; whole graph):', '', '| graph | p, q | program | stages |', '| --- | --- | --- | --- |');
  for (const c of comparisons) {
    for (const [program, w] of Object.entries(c.whole)) {
      if (w.stages && Object.keys(w.stages).length) md.push(`| ${c.graph} | ${c.p}, ${c.q} | ${PROGRAMS[program].label} | ${Object.entries(w.stages).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')} |`);
    }
  }
  md.push('');
  for (const g of graphs.filter((x) => x.issue)) {
    const c = comparisons.find((x) => x.graph === g.name && x.p === 1 && x.q === 1);
    const pp = c?.whole.pecanpy;
    if (pp?.wallSeconds) md.push(`The issue quotes PecanPy at ${g.issue.seconds} s end to end and ${g.issue.megabytes} MB on a graph of this size with these settings (${settingsLine(g.settings)}, p = q = 1); measured in this run on ${g.name}: PecanPy ${fmt(pp.wallSeconds, 1)} s, ${fmt(pp.peakRssMiB, 0)} MiB; ours ${fmt(c.whole.ours?.wallSeconds, 1)} s, ${fmt(c.whole.ours?.peakRssMiB, 0)} MiB.`, '');
  }
  md.push(`PecanPy runs in SparseOTF mode, the issue's peer, at both p, q (at p = q = 1 it warns that another mode is faster).${args.firstOrder ? ' Its FirstOrderUnweighted mode, which it recommends for unweighted graphs at p = q = 1, runs once per graph at p = q = 1 as an informational row (time and classification; not part of the goals).' : ''}`, '');
}

if (scale) {
  md.push('## Scale', '');
  if (scale.error) md.push(`The scale run failed: ${scale.error}.`, '');
  else md.push(`${scale.graph.nodes.toLocaleString('en-US')} nodes, ${scale.graph.edges.toLocaleString('en-US')} edges (${scale.graph.generator}), ours only, p = q = 1, ${settingsLine(DEFAULT_SETTINGS)}, ${THREADS} threads, vectors saved in word2vec binary: **${fmt(scale.wallSeconds, 1)} s** end to end (walks + training ${fmt(scale.trainSeconds, 1)} s, save ${fmt(scale.saveSeconds, 1)} s), **peak RSS ${fmt(scale.peakRssBytes / 1e9, 2)} GB** (${(scale.peakRssBytes / 2 ** 30).toFixed(2)} GiB); ${scale.nodesEmbedded.toLocaleString('en-US')} nodes embedded, ${(scale.words / 1e6).toFixed(0)}M walk tokens.`, '');
}

if (eges) {
  const w = eges.world;
  md.push('## EGES (side information)', '');
  md.push(`Items in ${EGES_WORLD.groups} planted groups (${EGES_WORLD.items.toLocaleString('en-US')} items): each group has one of ${EGES_WORLD.categories} categories and ${EGES_WORLD.brandsPerGroup} brands of its own; an item takes its group's category and one of its brands (each replaced by a random one with probability ${EGES_WORLD.attributeNoise}). Co-click edges: ${fmt(w.edgesWithinGroup * 100, 0)}% within a group. ${w.few.toLocaleString('en-US')} items have 1-2 edges (mean ${fmt(w.fewDegreeMean, 2)}), ${w.heldOut.toLocaleString('en-US')} are held out with no edges (not in the side-information file; their attributes are kept apart). Graph: ${w.nodes.toLocaleString('en-US')} items, ${w.edges.toLocaleString('en-US')} edges. Side information: category and brand. trainGraph in this process, ${settingsLine(EGES_SETTINGS)}, p = q = 1, ${THREADS} threads, seed 1, the same for each mode.`, '');
  md.push('| model | train s | items with 1-2 edges: own group share of top-10 | regular items: own group share of top-10 |', '| --- | ---: | ---: | ---: |');
  for (const [mode, r] of Object.entries(eges.modes)) {
    md.push(r.error ? `| ${mode} | failed: ${r.error} | - | - |` : `| ${mode === 'deepwalk' ? 'DeepWalk (no side information)' : mode.toUpperCase()} | ${fmt(r.seconds, 1)} | ${fmt(r.few.precisionAt10)} (${r.few.items} items) | ${fmt(r.regular.precisionAt10)} (${r.regular.items} items) |`);
  }
  md.push('');
  if (eges.coldStart) {
    const cs = eges.coldStart;
    md.push(`Cold start: for each of the ${cs.heldOut} held-out items, \`nodes.coldStart({ attributes: [category, brand] })\` (EGES model), its 10 nearest items by cosine (\`model.nearest\`); a hit when one of them is of the item's planted group. ${fmt(cs.hitRate * 100, 1)}% hits; a random Gaussian vector per held-out item, scored the same way against that item's group: ${fmt(cs.randomHitRate * 100, 1)}%; ratio ${fmt(cs.ratio, 1)}x.${cs.unknownAttributes ? ` ${cs.unknownAttributes} held-out items had no attribute value seen in the graph (counted as misses).` : ''}`, '');
  }
}

md.push('## Protocol', '');
md.push('- Both programs get the same edge file (tab-separated, undirected, unweighted), p, q, walk length, walks per node, window, dimensions, epochs (1), negative samples (5), threads and seed 1; everything else is each program\'s default (both subsample at 1e-3 and start the learning rate at 0.025, gensim\'s and our defaults). Ours: `node dist/cjs/cli.js graph -input E -output V -p P -q Q -walk-length L -walks W -window C -size D -iter 1 -negative 5 -threads T -binary 0 -seed 1`. PecanPy: `../shared/peers/pecanpy.sh --input E --output V --mode SparseOTF --p P --q Q --walk-length L --num-walks W --window-size C --dimensions D --epochs 1 --workers T --random_state 1`. Wall time and peak RSS are the whole process\'s, reading the edges and writing the vectors (word2vec text) included; PecanPy\'s include numba\'s compilation.');
md.push('- Node classification (bench/tools/graph-eval.py): vectors L2-normalised; per split, one-vs-rest logistic regression (scikit-learn, lbfgs, C = 1) trained on a random half of the nodes (stratified by label) and scored on the other half; Macro-F1 and Micro-F1, mean over the splits (5, or 3 for graphs over 50k nodes; the same splits for both programs).');
md.push('- Link prediction: half the edges held out as positives, in a random order, an edge held out only when both its ends keep another edge (so every node keeps a vector); as many negatives, node pairs drawn uniformly that are not edges of the whole graph. Each program embeds the residual graph (the other half, same settings). Features: the Hadamard product of the two nodes\' L2-normalised vectors; per split, logistic regression (lbfgs, C = 1) trained on a random half of the pairs (stratified) and ROC AUC on the other half; mean over the splits.');
md.push('- Goals: quality and speed on the generated graphs (LFR and planted), each at p = q = 1 and at p = 0.25, q = 4; the speed ratio is PecanPy\'s wall time over ours on the whole graph, both measured in this run.');
md.push('');
if (tools.peer) md.push(`Peer versions (Debian packages, ${PYTHON}): ${Object.entries(tools.versions).map(([k, v]) => `${k} ${v}`).join(', ')}; PecanPy from ../shared/peers/pecanpy (commit 7431962).`, '');
md.push(provenance(meta));
const mdText = md.join('\n') + '\n';

// ---------------------------------------------------------------- chart

function chart() {
  const rows = comparisons.filter((c) => c.whole.ours?.wallSeconds && c.whole.pecanpy?.wallSeconds);
  if (rows.length === 0) return undefined;
  const W = 860, rowH = 76, top = 74, left = 190, barW = 560, H = top + rows.length * rowH + 50;
  const speed = (c) => c.whole.pecanpy.wallSeconds / c.whole.ours.wallSeconds;
  const memory = (c) => c.whole.pecanpy.peakRssMiB / c.whole.ours.peakRssMiB;
  const maxRatio = Math.max(8, ...rows.flatMap((c) => [speed(c), memory(c), 1 / speed(c), 1 / memory(c)]));
  const x = (v) => left + barW * 0.5 + (Math.log(v) / Math.log(maxRatio)) * barW * 0.5;
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">w2v graph vs PecanPy (SparseOTF): ratios, same run</text>`,
    `<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${esc(`${THREADS} threads, whole graph, log scale; ${meta.date.slice(0, 10)}, commit ${meta.commit}`)}</text>`,
    `<line x1="${x(1)}" y1="${top - 10}" x2="${x(1)}" y2="${H - 40}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${x(1)}" y="${H - 24}" text-anchor="middle" fill="#333">1x (same as PecanPy)</text>`,
    `<line x1="${x(5)}" y1="${top - 10}" x2="${x(5)}" y2="${H - 40}" stroke="#2b7bba" stroke-dasharray="2 3"/>`,
    `<text x="${x(5)}" y="${top - 14}" text-anchor="middle" fill="#2b7bba">5x goal</text>`];
  rows.forEach((c, i) => {
    const y = top + i * rowH;
    const s = speed(c), m = memory(c);
    parts.push(`<text x="${left - 10}" y="${y + 22}" text-anchor="end" font-weight="bold">${esc(c.graph)}</text>`,
      `<text x="${left - 10}" y="${y + 40}" text-anchor="end" fill="#555">${esc(`p ${c.p}, q ${c.q}`)}</text>`,
      `<rect x="${Math.min(x(1), x(s))}" y="${y + 6}" width="${Math.abs(x(s) - x(1))}" height="16" fill="#2b7bba"/>`,
      `<text x="${Math.max(x(1), x(s)) + 6}" y="${y + 19}">${s >= 1 ? `${s.toFixed(1)}x faster` : `${(1 / s).toFixed(1)}x slower`}</text>`,
      `<rect x="${Math.min(x(1), x(m))}" y="${y + 26}" width="${Math.abs(x(m) - x(1))}" height="16" fill="#4caf50"/>`,
      `<text x="${Math.max(x(1), x(m)) + 6}" y="${y + 39}">${m >= 1 ? `${m.toFixed(1)}x less memory` : `${(1 / m).toFixed(1)}x more memory`}</text>`);
    const d = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(3)}` : '-');
    const o = c.whole.ours.classification ?? {}, p = c.whole.pecanpy.classification ?? {};
    parts.push(`<text x="${left}" y="${y + 60}" fill="#555">${esc(`ours - PecanPy: Macro-F1 ${d(o.macroF1, p.macroF1)}, Micro-F1 ${d(o.microF1, p.microF1)}, link AUC ${d(c.residual.ours?.linkPrediction?.auc, c.residual.pecanpy?.linkPrediction?.auc)}`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

const written = saveResult(args.name, meta, { md: mdText, json, svg: chart() });
log(`wrote ${Object.values(written).join(', ')}`);
console.log(mdText);
