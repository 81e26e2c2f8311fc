#!/usr/bin/env node
// Studies for issue 15 that compare two settings of the index on the 1M x 100 item vectors
// bench/index.mjs caches, each setting an environment for the process that measures it:
//   --study huge-pages     the library's memory advised as transparent huge pages
//                          (native/index/huge_pages.h) or not (W2V_INDEX_HUGE_PAGES=0);
//   --study usearch-patch  the addon as built (USearch's headers patched by
//                          native/index/usearch-patch.mjs) against the addon of the commit before
//                          the patches, given by --baseline-addon (loaded through
//                          WORD2VEC_NATIVE_ADDON); build it in a worktree of that commit with
//                          `npm ci && npm run build:native`;
//   --study node-prefetch  the addon as built (patch level 2: the prefetch hook also loads each
//                          candidate's graph node) against the addon of the commit before it
//                          (--baseline-addon, patch level 1).
// Every measurement runs in a child process of its own, the two settings alternating:
//   - build: each metric's graph built under each setting, --builds times (build seconds);
//   - search: one saved graph per metric (built under the second setting), loaded (copied into
//     the library's memory, not a view) under each setting, so both search the same graph: QPS
//     at each ef, best of 3 batched searches, over --rounds alternated pairs of processes.
//
//   node bench/tools/index-ab.mjs --study huge-pages [--rounds 5] [--builds 1] [--queries 2000] [--out F]
//   node bench/tools/index-ab.mjs --study usearch-patch|node-prefetch --baseline-addon BASE.node [--rounds 5] [--builds 2] [--out F]
//
// Queries: sampled items' input vectors (seeded); cosine over the input vectors, dot (through the
// dot transform) over the output vectors; ground truth the exact model.nearest. 2 threads.
// Needs `node bench/index.mjs --data-only` first.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Word2Vec, loadIndex } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems, sampledRows } from './index-cache.mjs';
import { bestOf, median, recallAt } from './measure.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..', '..');
const argv = process.argv.slice(2);
const flag = flagReader(argv);
const STUDY = flag('--study', '');
const CHILD = flag('--child', '');
// Settings of a study of two addons: the one --baseline-addon names, and the one as built.
const againstBaseline = (baselineName, builtName) => [
  [baselineName, { WORD2VEC_NATIVE_ADDON: resolve(flag('--baseline-addon', '')) }],
  [builtName, { WORD2VEC_NATIVE_ADDON: undefined }],
];
const STUDIES = {
  'huge-pages': {
    title: "Huge pages for the index library's memory, on 1M x 100 item vectors (issue 15 study)",
    // [name of the first setting, its environment], then the second's (the one studied).
    settings: [
      ['without', { W2V_INDEX_HUGE_PAGES: '0' }],
      ['with', { W2V_INDEX_HUGE_PAGES: undefined }],
    ],
    how: 'with the advice (W2V_INDEX_HUGE_PAGES unset) or without it (=0)',
    builds: 1,
  },
  'usearch-patch': {
    title: "USearch's headers patched (a row prefetch, no removed-key check while every row is live), on 1M x 100 item vectors (issue 15 study)",
    settings: againstBaseline('unpatched', 'patched'),
    how: 'through the addon as built, USearch\'s headers patched by native/index/usearch-patch.mjs, or through the addon of the commit before the patches (--baseline-addon)',
    builds: 2,
  },
  'node-prefetch': {
    title: "USearch's prefetch hook also loading each candidate's graph node (patch level 2), on 1M x 100 item vectors (issue 15 study)",
    settings: againstBaseline('level 1', 'level 2'),
    how: "through the addon as built (native/index/usearch-patch.mjs at patch level 2: the prefetch hook also loads each candidate's key, bringing its graph node), or through the addon of the commit before it (--baseline-addon, patch level 1: rows prefetched only)",
    builds: 2,
  },
};
const study = STUDIES[STUDY];
if (!study) {
  console.error(`index-ab: --study must be one of ${Object.keys(STUDIES).join(', ')}, got "${STUDY}"`);
  process.exit(1);
}
if (!CHILD && 'WORD2VEC_NATIVE_ADDON' in study.settings[0][1] && !flag('--baseline-addon', '')) {
  console.error(`index-ab: --study ${STUDY} needs --baseline-addon, the addon built at the commit before the change studied`);
  process.exit(1);
}
const [[A, A_ENV], [B, B_ENV]] = study.settings;
const ROUNDS = Number(flag('--rounds', '5'));
const BUILDS = Number(flag('--builds', String(study.builds)));
const QUERIES = Number(flag('--queries', '2000'));
const OUT = flag('--out', join(root, `bench/results/studies/index-${STUDY}`));
const METRIC = flag('--metric', 'cosine');
const SCRATCH = join(root, `bench/scratch/index-ab-${STUDY}`);
const EFS = [64, 96, 128, 256];
const K = 10;
const DIM = 100;
const THREADS = 2;

const data = cachedItems('index-ab');
const rowsOf = (metric) => data.floats(metric === 'cosine' ? 'input.f32' : 'output.f32');
const modelOf = (metric) => {
  const vectors = rowsOf(metric);
  return new Word2Vec({ keys: Array.from({ length: vectors.length / DIM }, (_, i) => `i${i}`), dim: DIM, vectors });
};
const indexPath = (metric) => join(SCRATCH, `${metric}.idx`);
const truthPath = (metric) => join(SCRATCH, `${metric}-truth.i32`);
const indexOptions = (metric) => (metric === 'cosine' ? { metric: 'cosine' } : { metric: 'dot', dotTransform: true });

const queries = () => sampledRows(data.floats('input.f32'), DIM, QUERIES, 777);

/** The process's resident memory and the share of it on transparent huge pages. */
function memoryNow() {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (name) => Number((rollup.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm')) ?? [0, 0])[1]);
  return { rssMiB: kb('Rss') / 1024, anonHugeMiB: kb('AnonHugePages') / 1024 };
}

// A child: one build (saving the graph when asked) or one loaded graph's searches; prints JSON.
async function child() {
  const model = modelOf(METRIC);
  if (CHILD === 'build') {
    const t = performance.now();
    const index = await model.buildIndex({ ...indexOptions(METRIC), threads: THREADS });
    const buildSeconds = (performance.now() - t) / 1000;
    const memory = memoryNow();
    if (flag('--save', '') === '1') await index.save(indexPath(METRIC));
    console.log(JSON.stringify({ buildSeconds, ...memory }));
    return;
  }
  const q = queries();
  const truth = new Int32Array(new Uint8Array(readFileSync(truthPath(METRIC))).buffer);
  const index = await loadIndex(indexPath(METRIC), model);
  const memory = memoryNow();
  await index.search(q.subarray(0, 100 * DIM), K, { threads: THREADS });  // the dot norm list, built once
  const efs = [];
  for (const ef of EFS) {
    index.expansionSearch = ef;
    const { seconds, result } = await bestOf(3, () => index.search(q, K, { threads: THREADS }));
    efs.push({ ef, qps: QUERIES / seconds, recall: recallAt(result.ids, truth, QUERIES, K) });
  }
  console.log(JSON.stringify({ ...memory, expansionAdd: index.expansionAdd, efs }));
}

// One child process under a setting's environment (a variable set to undefined is removed).
function run(mode, metric, setting, extra = []) {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(setting === A ? A_ENV : B_ENV)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const out = execFileSync(process.execPath, [self, '--study', STUDY, '--child', mode, '--metric', metric, '--queries', String(QUERIES), ...extra], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

async function parent() {
  const meta = resultMeta(`node bench/tools/index-ab.mjs ${argv.join(' ')}`.trim());
  mkdirSync(SCRATCH, { recursive: true });
  const q = queries();
  const results = {};
  for (const metric of ['cosine', 'dot']) {
    const truth = await modelOf(metric).nearest(q, K, { threads: THREADS, metric: metric === 'cosine' ? 'cosine' : 'dot' });
    writeFileSync(truthPath(metric), Buffer.from(truth.ids.buffer, truth.ids.byteOffset, truth.ids.byteLength));
    // Builds: the first setting, then the second, --builds times (the second's last graph is
    // saved for the searches).
    const builds = { [A]: [], [B]: [] };
    for (let b = 0; b < BUILDS; b++) {
      builds[A].push(run('build', metric, A));
      builds[B].push(run('build', metric, B, b === BUILDS - 1 ? ['--save', '1'] : []));
      console.error(`index-ab: ${metric} build ${b + 1}: ${builds[A][b].buildSeconds.toFixed(1)} s ${A}, ${builds[B][b].buildSeconds.toFixed(1)} s ${B}`);
    }
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const pair = {};
      for (const setting of r % 2 === 0 ? [A, B] : [B, A]) pair[setting] = run('search', metric, setting);
      rounds.push(pair);
      console.error(`index-ab: ${metric} round ${r + 1}: ${EFS.map((ef, i) => `ef ${ef} ${pair[A].efs[i].qps.toFixed(0)} -> ${pair[B].efs[i].qps.toFixed(0)}`).join(', ')} QPS`);
    }
    results[metric] = { builds, rounds };
  }
  rmSync(SCRATCH, { recursive: true, force: true });

  const graphName = (metric) => (metric === 'cosine' ? 'cosine (input)' : 'dot transform (output)');
  const lines = [];
  for (const metric of ['cosine', 'dot']) {
    const { rounds } = results[metric];
    EFS.forEach((ef, i) => {
      const ratios = rounds.map((p) => p[B].efs[i].qps / p[A].efs[i].qps);
      const recalls = new Set(rounds.flatMap((p) => [p[A].efs[i].recall, p[B].efs[i].recall]).map((x) => x.toFixed(4)));
      lines.push(
        `| ${graphName(metric)} | ${ef} | ${[...recalls].join(' / ')} | ${median(rounds.map((p) => p[A].efs[i].qps)).toFixed(0)} | ${median(rounds.map((p) => p[B].efs[i].qps)).toFixed(0)} | ` +
          `${median(ratios).toFixed(2)}x | ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)} | ${ratios.filter((x) => x > 1).length} of ${ratios.length} |`,
      );
    });
  }
  const memory = (metric, key, setting) => median(results[metric].rounds.map((p) => p[setting][key])).toFixed(0);
  const seconds = (list) => list.map((b) => b.buildSeconds.toFixed(1)).join(', ');
  const efConstruction = results.cosine.rounds[0][B].expansionAdd;
  const md = [
    `# ${study.title}`,
    '',
    `${(rowsOf('cosine').length / DIM).toLocaleString('en-US')} item2vec vectors cached by bench/index.mjs; M 16, efConstruction ${efConstruction}, ${THREADS} threads; ${QUERIES} sampled items' input vectors as queries; ` +
      'cosine over the input vectors, dot over the output vectors through the dot transform; recall@10 against the exact model.nearest. ' +
      `Each search figure: the same saved graph loaded (copied into the library's memory) by a process of its own, ${study.how}, ` +
      `QPS the best of 3 batched searches; ${ROUNDS} rounds, the two settings alternating which goes first. Ratio: ${B} / ${A}, per round. ` +
      'Recall: every value measured over the rounds and both settings (one value: the two search alike).',
    '',
    `| graph | ef | recall@10 | QPS ${A} (median) | QPS ${B} (median) | ratio (median) | ratio range | rounds faster ${B} |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...lines,
    '',
    `| graph | build s ${A} | build s ${B} | AnonHugePages after loading, ${A} / ${B} | process RSS after loading, ${A} / ${B} |`,
    '| --- | ---: | ---: | --- | --- |',
    ...['cosine', 'dot'].map(
      (m) =>
        `| ${graphName(m)} | ${seconds(results[m].builds[A])} | ${seconds(results[m].builds[B])} | ` +
        `${memory(m, 'anonHugeMiB', A)} / ${memory(m, 'anonHugeMiB', B)} MiB | ${memory(m, 'rssMiB', A)} / ${memory(m, 'rssMiB', B)} MiB |`,
    ),
    '',
    `System: transparent huge pages "${readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim()}". ` +
      `Builds: ${BUILDS} per setting, alternated, in the order listed; single builds on a noisy machine.`,
    '',
    provenance(meta),
    '',
  ].join('\n');
  writeStudy(OUT, md, { meta, study: STUDY, settings: study.settings, queries: QUERIES, efs: EFS, results });
  console.log(md);
}

if (CHILD) await child();
else await parent();
