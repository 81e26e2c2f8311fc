// The training kernels of two commits side by side, one thread, on the same machine in one run:
// bench/tools/kernel-bench.cc (this checkout's) built against each commit's native/core, run
// in alternation, the fastest round of each kept (the machine's noise only slows a round).
//
//   node bench/tools/kernel-compare.mjs --base COMMIT [--rounds 3] [--dims 100,300] [--name NAME]
//
// The base is checked out as a git worktree under bench/scratch; the other side is this
// working tree. Each side is compiled here with g++ and the flags the addon uses (-O3, the
// per-ISA files with -mavx2 -mfma or -mavx512f, no -march).
// `--base packed-rows` instead compares this working tree's kernels on rows dim floats apart
// against the same kernels on the trainer's padded rows (kernel-bench --rows), one build.
// kernel-bench.cc sets SentenceJob::stride, so a base commit from before the padded rows (the
// commit "Rows padded to 32 bytes") does not build with it. Writes
// bench/results/studies/NAME.{json,md} (default NAME: kernels-vs-<base>); a "## Notes" section
// under the table in NAME.md is kept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './machine.mjs';
import { writeStudy } from './results.mjs';
import { REPO_ROOT as root } from './paths.mjs';

const scratch = join(root, 'bench', 'scratch');

function parseArgs(argv) {
  const a = { base: undefined, rounds: 3, dims: '100,300', name: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--base') a.base = v;
    else if (k === '--rounds') a.rounds = Number(v);
    else if (k === '--dims') a.dims = v;
    else if (k === '--name') a.name = v;
    else throw new Error(`unknown option ${k}`);
  }
  if (!a.base) throw new Error('--base COMMIT is required');
  if (!Number.isInteger(a.rounds) || a.rounds < 1) throw new Error(`--rounds must be a positive integer, got ${a.rounds}`);
  if (!/^\d+(,\d+)*$/.test(a.dims)) throw new Error(`--dims must be a comma-separated list of integers, got ${a.dims}`);
  return a;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

// Compiles kernel-bench.cc against `src`'s native/core into `out`.
function buildBench(src, out) {
  const objects = join(out + '.o');
  mkdirSync(objects, { recursive: true });
  const core = join(src, 'native', 'core');
  const flags = ['-O3', '-DNDEBUG', '-std=c++17', '-pthread', '-Wall', '-I', core, '-I', join(root, 'test', 'core')];
  const files = readdirSync(core).filter((f) => f.endsWith('.cc')).map((f) => [join(core, f), []]);
  for (const f of ['dispatch.cc', 'scalar.cc', 'scalar_query.cc']) files.push([join(core, 'simd', f), []]);
  for (const f of ['avx2.cc', 'avx2_query.cc']) files.push([join(core, 'simd', f), ['-mavx2', '-mfma']]);
  files.push([join(core, 'simd', 'avx512.cc'), ['-mavx512f']]);
  files.push([join(root, 'bench', 'tools', 'kernel-bench.cc'), []]);
  const built = files.map(([file, extra], i) => {
    const o = join(objects, `${i}.o`);
    run('g++', [...flags, ...extra, '-c', file, '-o', o]);
    return o;
  });
  run('g++', ['-pthread', ...built, '-o', out]);
  return out;
}

// The base commit's kernels, its tree a worktree under bench/scratch.
function buildBaseBench(commit) {
  const tree = join(scratch, `kernel-base-${commit}`);
  if (!existsSync(tree)) run('git', ['-C', root, 'worktree', 'add', '--detach', tree, commit]);
  return buildBench(tree, join(scratch, `kernel-bench-${commit}`));
}

const a = parseArgs(process.argv.slice(2));
const packedRows = a.base === 'packed-rows';
const head = run('git', ['-C', root, 'rev-parse', '--short', 'HEAD']).trim();
const dirty = run('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']).trim() !== '';
const headName = dirty ? `${head}+changes` : head;
mkdirSync(scratch, { recursive: true });
const base = packedRows ? 'packed rows' : run('git', ['-C', root, 'rev-parse', '--short', a.base]).trim();
console.log(`building the kernel bench against ${packedRows ? headName : `${base} and ${headName}`}`);
const headBin = buildBench(root, join(scratch, 'kernel-bench-head'));
// [name, binary, extra flags]: the base side first.
const sides = packedRows
  ? [[base, headBin, ['--rows', 'packed']], [`${headName}, padded rows`, headBin, ['--rows', 'padded']]]
  : [[base, buildBaseBench(base), []], [headName, headBin, []]];
const after = sides[1][0];
const runs = {};
for (let round = 0; round < a.rounds; ++round) {
  for (const [name, bin, extra] of sides) {
    const out = run(bin, ['--dims', a.dims, '--rounds', '3', '--seconds', '0.3', ...extra]);
    for (const line of out.trim().split('\n')) {
      const j = JSON.parse(line);
      if (j.kernel === 'scalar') continue;
      const key = `${j.kernel}|${j.config}|${j.dim}`;
      ((runs[key] ??= {})[name] ??= []).push(j.nsPerPrediction);
    }
    console.log(`round ${round + 1}: ${name} done`);
  }
}
const rows = Object.entries(runs).map(([key, by]) => {
  const [kernel, config, dim] = key.split('|');
  const before = Math.min(...by[base]);
  const ns = Math.min(...by[after]);
  // The bench's formula: 6 x dim per predicted target, 1 + 5 negatives; none for hierarchical softmax.
  const gflops = config.endsWith('-hs') ? null : (6 * Number(dim) * 6) / ns;
  return { kernel, config, dim: Number(dim), nsBefore: before, nsAfter: ns, speedup: before / ns, gflopsAfter: gflops, runs: by };
});
rows.sort((x, y) => x.kernel.localeCompare(y.kernel) || x.dim - y.dim || x.config.localeCompare(y.config));
const machine = describeMachine();
const command = `node bench/tools/kernel-compare.mjs --base ${a.base} --rounds ${a.rounds} --dims ${a.dims}`;
const name = a.name ?? (packedRows ? 'row-stride' : `kernels-vs-${base}`);
const outDir = join(root, 'bench', 'results', 'studies');
const result = { command, base, head: after, date: new Date().toISOString(), machine, rows };
writeFileSync(join(outDir, `${name}.json`), JSON.stringify(result, null, 1) + '\n');
const md = [
  `Training kernels, one thread, ns per prediction (fastest of ${a.rounds} alternating rounds of 3), ${base} against ${after}; GFLOP/s by the bench's formula (6 x dim per target, 6 targets; none for hierarchical softmax).`,
  '',
  `| kernel | config | dim | ${base} | ${after} | speed-up | GFLOP/s (${after}) |`,
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.kernel} | ${r.config} | ${r.dim} | ${r.nsBefore.toFixed(0)} | ${r.nsAfter.toFixed(0)} | ${r.speedup.toFixed(2)}x | ${r.gflopsAfter === null ? '-' : r.gflopsAfter.toFixed(1)} |`),
  '',
  `Command: \`${command}\`; ${result.date.slice(0, 16).replace('T', ' ')} UTC; machine: ${machine}.`,
  '',
];
// A "## Notes" section written by hand under the table is kept when the table is rewritten.
writeStudy(join(outDir, name), md.join('\n'));
console.log(md.join('\n'));
