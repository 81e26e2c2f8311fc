#!/usr/bin/env node
// A study for issue 17: link-prediction AUC and training time of trainGraph with shared
// negatives (one set per centre node, our default) and with the original's per-pair negatives,
// on the LFR-10k link-prediction split bench/graph.mjs caches (run it first, or `node
// bench/graph.mjs --graphs lfr-10k --no-peers --no-scale --no-eges`), scored by
// bench/tools/graph-eval.py as the bench scores it.
//
//   node bench/tools/graph-negatives.mjs [--seeds 1,2] [--out bench/results/studies/graph-negatives]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { trainGraph } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { provenance, resultMeta } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const SEEDS = flag('--seeds', '1,2').split(',').map(Number);
const OUT = flag('--out', join(root, 'bench/results/studies/graph-negatives'));
const SETTINGS = { walkLength: 80, walksPerNode: 10, window: 10, dim: 128, epochs: 1, negative: 5, threads: 2 };

const dataRoot = join(root, 'bench/scratch/graph-data');
const lfr = existsSync(dataRoot) ? readdirSync(dataRoot).find((d) => d.startsWith('lfr-10k-')) : undefined;
const split = lfr && readdirSync(join(dataRoot, lfr)).find((d) => d.startsWith('linkpred-'));
if (!split) {
  console.error('graph-negatives: no cached LFR-10k link-prediction split: run `node bench/graph.mjs --graphs lfr-10k --no-peers --no-scale --no-eges` first');
  process.exit(1);
}
const dir = join(dataRoot, lfr, split);
const meta = resultMeta(`node bench/tools/graph-negatives.mjs ${argv.join(' ')}`.trim());
const rows = [];
for (const shared of [true, false]) {
  for (const seed of SEEDS) {
    const nodes = await trainGraph(join(dir, 'residual.tsv'), { ...SETTINGS, seed, sharedNegatives: shared });
    const vectors = join(tmpdir(), `graph-negatives-${process.pid}.vec`);
    await nodes.model.save(vectors, { format: 'word2vec-text' });
    const trainingSeconds = nodes.model.trainingStats.trainingMs / 1000;
    nodes.dispose();
    const r = spawnSync('/usr/bin/python3', [join(root, 'bench/tools/graph-eval.py'), vectors, '--pairs', join(dir, 'pairs.tsv')], { encoding: 'utf8' });
    rmSync(vectors, { force: true });
    if (r.status !== 0) throw new Error(`graph-eval.py failed: ${r.stderr}`);
    const auc = JSON.parse(r.stdout).linkPrediction.auc;
    rows.push({ shared, seed, auc, trainingSeconds });
    console.error(`graph-negatives: ${shared ? 'shared' : 'per-pair'} seed ${seed}: AUC ${auc.toFixed(4)}, training ${trainingSeconds.toFixed(1)} s`);
  }
}
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const summary = [true, false].map((shared) => {
  const r = rows.filter((x) => x.shared === shared);
  return { shared, auc: mean(r.map((x) => x.auc)), trainingSeconds: mean(r.map((x) => x.trainingSeconds)) };
});
const md = [
  '# Shared or per-pair negatives on graph walks (issue 17 study)',
  '',
  `trainGraph on the LFR-10k link-prediction residual graph (${dir.slice(root.length + 1)}), ${SETTINGS.walksPerNode} walks of ${SETTINGS.walkLength}, ` +
    `window ${SETTINGS.window}, dim ${SETTINGS.dim}, negative ${SETTINGS.negative}, 1 epoch, ${SETTINGS.threads} threads; AUC by bench/tools/graph-eval.py (Hadamard features, 5 splits), as bench/graph.mjs scores it.`,
  '',
  '| negatives | seed | link-prediction AUC | training s |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.shared ? 'shared (default)' : 'per pair'} | ${r.seed} | ${r.auc.toFixed(4)} | ${r.trainingSeconds.toFixed(1)} |`),
  ...summary.map((s) => `| **${s.shared ? 'shared' : 'per pair'}, mean** | | **${s.auc.toFixed(4)}** | **${s.trainingSeconds.toFixed(1)}** |`),
  '',
  provenance(meta),
  '',
].join('\n');
writeFileSync(`${OUT}.md`, md);
writeFileSync(`${OUT}.json`, JSON.stringify({ meta, settings: SETTINGS, rows, summary }, null, 2) + '\n');
console.log(md);
