#!/usr/bin/env node
// Ours against hnswlib (rows inserted in a random order, its best on these vectors) on the 1M x
// 100 item vectors bench/index.mjs caches, cosine over the input vectors, measured in alternation:
// bench/index.mjs times its peers in one sweep each, minutes after ours, and on this shared
// machine two runs of the same code put hnswlib-shuffled at 0.87x and 1.23x our queries/s at
// recall@10 0.95. Here both indexes stay loaded, ours in this process and hnswlib in a Python
// process (bench/tools/index-peers.py --serve), and each round times both at every ef, the
// order alternating round by round, so both see the same minutes of the machine.
//
//   node bench/tools/index-peer-ab.mjs [--rounds 6] [--queries 2000] [--out F]
//
// Queries: sampled items' input vectors (seeded); ground truth the exact model.nearest; M 16 and
// efConstruction 112 for both (our defaults); 2 threads. Each timing: best of 3 batched searches
// or more, repeated for at least 1 s, ours and hnswlib alike (as bench/index.mjs).
// Needs `node bench/index.mjs --data-only` first, and Debian's python3-hnswlib.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { Word2Vec } from '../../dist/esm/index.mjs';
import { flagReader } from './args.mjs';
import { cachedItems, sampledRows } from './index-cache.mjs';
import { bestOf, median, qpsAtRecall, recallAt } from './measure.mjs';
import { provenance, resultMeta, writeStudy } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const argv = process.argv.slice(2);
const flag = flagReader(argv);
const ROUNDS = Number(flag('--rounds', '6'));
const QUERIES = Number(flag('--queries', '2000'));
const OUT = flag('--out', join(root, 'bench/results/studies/index-peer-ab'));
const SCRATCH = join(root, 'bench/scratch/index-peer-ab');
const EFS = [96, 128, 160, 192, 256];
const TARGET = 0.95;
const K = 10, DIM = 100, THREADS = 2, REPS = 3, MIN_SECONDS = 1;

const log = (line) => console.error(`index-peer-ab: ${line}`);
const qpsAtTarget = (curve) => qpsAtRecall(curve, TARGET);

/** hnswlib in a Python process: start() builds it; search(ef) answers one timed search. */
function hnswlibServer(manifestPath) {
  const child = spawn('/usr/bin/python3', [join(root, 'bench/tools/index-peers.py'), '--serve', manifestPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('index-peers.py --serve ended early (is python3-hnswlib installed?)');
    return JSON.parse(value);
  };
  return {
    start: next,
    search: (ef) => (child.stdin.write(`${ef}\n`), next()),
    stop: () => child.stdin.end(),
  };
}

async function main() {
  const meta = resultMeta(`node bench/tools/index-peer-ab.mjs ${argv.join(' ')}`.trim());
  const data = cachedItems('index-peer-ab');
  const rows = data.floats('input.f32');
  const n = rows.length / DIM;
  const model = new Word2Vec({ keys: Array.from({ length: n }, (_, i) => `i${i}`), dim: DIM, vectors: rows });
  const queries = sampledRows(rows, DIM, QUERIES, 777);
  log(`exact top-${K} of ${QUERIES} queries over ${n} rows`);
  const truth = (await model.nearest(queries, K, { metric: 'cosine', threads: THREADS })).ids;

  mkdirSync(SCRATCH, { recursive: true });
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(SCRATCH, 'queries.f32'), bytes(queries));
  writeFileSync(join(SCRATCH, 'gt.i32'), bytes(truth));
  const manifest = {
    base: join(data.dir, 'input.f32'), queries: join(SCRATCH, 'queries.f32'), gt: join(SCRATCH, 'gt.i32'),
    dim: DIM, k: K, threads: THREADS, M: 16, efConstruction: 112, shuffled: true, reps: REPS, minSeconds: MIN_SECONDS,
  };
  writeFileSync(join(SCRATCH, 'manifest.json'), JSON.stringify(manifest));

  log('building ours (cosine, M 16, efConstruction 112)');
  const t = performance.now();
  const index = await model.buildIndex({ metric: 'cosine', connectivity: manifest.M, expansionAdd: manifest.efConstruction, threads: THREADS });
  const oursBuild = (performance.now() - t) / 1000;
  log(`ours built in ${oursBuild.toFixed(1)} s; building hnswlib (rows shuffled)`);
  const peer = hnswlibServer(join(SCRATCH, 'manifest.json'));
  const peerBuild = (await peer.start()).buildSeconds;
  log(`hnswlib built in ${peerBuild.toFixed(1)} s`);

  const ours = async (ef) => {
    index.expansionSearch = ef;
    const { seconds, result } = await bestOf(REPS, () => index.search(queries, K, { threads: THREADS }), MIN_SECONDS);
    return { ef, qps: QUERIES / seconds, recall: recallAt(result.ids, truth, QUERIES, K) };
  };
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = { ours: [], hnswlib: [] };
    for (const ef of EFS) {
      // Alternate which goes first, round by round.
      const first = r % 2 === 0 ? ['ours', 'hnswlib'] : ['hnswlib', 'ours'];
      for (const lib of first) round[lib].push(lib === 'ours' ? await ours(ef) : await peer.search(ef));
    }
    round.atTarget = { ours: qpsAtTarget(round.ours), hnswlib: qpsAtTarget(round.hnswlib) };
    rounds.push(round);
    log(`round ${r + 1}: ` + EFS.map((ef, i) => `ef ${ef} ${round.ours[i].qps.toFixed(0)} / ${round.hnswlib[i].qps.toFixed(0)}`).join(', ') +
      ` QPS (ours / hnswlib); at ${TARGET}: ${round.atTarget.ours?.toFixed(0)} / ${round.atTarget.hnswlib?.toFixed(0)}`);
  }
  peer.stop();
  index.dispose?.();
  rmSync(SCRATCH, { recursive: true, force: true });

  const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  const lines = EFS.map((ef, i) => {
    const ratios = rounds.map((r) => r.ours[i].qps / r.hnswlib[i].qps);
    return `| ${ef} | ${rounds[0].ours[i].recall.toFixed(4)} | ${rounds[0].hnswlib[i].recall.toFixed(4)} | ` +
      `${fmt(median(rounds.map((r) => r.ours[i].qps)))} | ${fmt(median(rounds.map((r) => r.hnswlib[i].qps)))} | ` +
      `${median(ratios).toFixed(2)}x | ${range(ratios)} | ${ratios.filter((x) => x >= 1).length} of ${ROUNDS} |`;
  });
  const reached = rounds.filter((r) => r.atTarget.ours && r.atTarget.hnswlib);
  const targetRatios = reached.map((r) => r.atTarget.ours / r.atTarget.hnswlib);
  const md = [
    '# Ours against hnswlib with shuffled rows, alternated, on 1M x 100 item vectors (issue 15 study)',
    '',
    `${n.toLocaleString('en-US')} item2vec input vectors cached by bench/index.mjs, cosine; M 16, efConstruction 112 for both; ${THREADS} threads; ` +
      `${QUERIES} sampled items' input vectors as queries; recall@10 against the exact model.nearest. hnswlib ${'(Debian\'s python3-hnswlib)'} gets the rows in a random order ` +
      '(its best on these vectors in bench/index.mjs). Both indexes stay loaded (ours in the Node process, hnswlib in a Python process); ' +
      `each round times both at every ef, the order alternating by round. Each timing: best of ${REPS} batched searches or more, for at least ${MIN_SECONDS} s in all. ` +
      `Build: ours ${oursBuild.toFixed(1)} s, hnswlib ${peerBuild.toFixed(1)} s (one build each).`,
    '',
    `| ef | recall@10 ours | recall@10 hnswlib | QPS ours (median) | QPS hnswlib (median) | ours / hnswlib (median) | range | rounds ours >= hnswlib |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...lines,
    '',
    `At recall@10 ${TARGET} (each round's curve, log(QPS) interpolated in recall): ours ${fmt(median(reached.map((r) => r.atTarget.ours)))} QPS, ` +
      `hnswlib ${fmt(median(reached.map((r) => r.atTarget.hnswlib)))} (medians); ours / hnswlib ${median(targetRatios).toFixed(2)}x (median over ${reached.length} rounds, range ${range(targetRatios)}; ` +
      `ours ahead in ${targetRatios.filter((x) => x >= 1).length} of ${reached.length}).`,
    '',
    provenance(meta),
    '',
  ].join('\n');
  writeStudy(OUT, md, { meta, queries: QUERIES, efs: EFS, builds: { ours: oursBuild, hnswlib: peerBuild }, rounds });
  console.log(md);
}

await main();
