#!/usr/bin/env node
// Makes this package's npm tarball with a prebuild for this platform, as `npm pack` does (its
// "prepack" runs prebuildify and its "prepare" builds dist/), for tests that install the
// tarball. Two differences from a plain `npm pack`:
//
// - It works in a staging copy, never in the working tree: prebuildify runs `node-gyp rebuild`,
//   which deletes build/ and then moves the new addon out of build/Release, from under any
//   other process (a test suite) loading it there.
// - It is as cheap as is honest. The prebuild is, in order of preference:
//     1. prebuilds/<platform>-<arch>/<name> in the tree (a previous prebuildify), when newer
//        than every file under native/ and binding.gyp;
//     2. build/Release/word2vec_native.node when node-gyp made it (it is the same file as
//        build/Release/obj.target/word2vec_native.node: a cmake-js or CUDA build is not) and
//        it is newer than those sources: copied under the name prebuildify gives it, stripped
//        as prebuildify strips it when `strip` is on the PATH;
//     3. else `npm run prebuild` (prebuildify, with package.json's own flags) in the staging
//        copy: a full compile, 1-2 minutes on two cores. Its output is kept in the output
//        directory under a hash of the native sources, and used again while they are the same.
//   dist/ is the tree's when every lib/**/*.ts is older than its dist/cjs/*.js, else built
//   again by tsc in the staging copy.
// A tarball made before from the same inputs (a hash of every packed byte that goes in) is
// reused.
//
// Usage:
//   node bench/tools/pack-with-prebuild.mjs [--out DIR] [--prebuildify]
// DIR defaults to <os tmpdir>/word2vec-native-pack. --prebuildify always compiles (case 3, with
// no kept output). Prints one JSON line on stdout: { tarball, prebuild, source,
// stripped, dist, reused, seconds }. Exit code 2: no prebuild can be made here (no fresh build
// and no toolchain to compile one); the reason is on stderr.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync, constants, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync,
  renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT as root } from './paths.mjs';

const run = promisify(execFile);
const started = performance.now();

const args = process.argv.slice(2);
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(tmpdir(), 'word2vec-native-pack');
const forcePrebuildify = args.includes('--prebuildify');

/** An error that means "cannot be done on this machine", not "something is broken". */
class CannotPrebuild extends Error {}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

const newestNativeSource = Math.max(
  statSync(join(root, 'binding.gyp')).mtimeMs,
  ...filesUnder(join(root, 'native')).map((f) => statSync(f).mtimeMs),
);
const newerThanNativeSources = (file) => existsSync(file) && statSync(file).mtimeMs > newestNativeSource;

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stripsPrebuilds = /(^|\s)--strip(\s|$)/.test(pkg.scripts?.prebuild ?? '');

// The file name prebuildify gives an N-API build (prebuildify/index.js, prebuildName()), from the
// flags of package.json's own "prebuild" script, so that this tool and `npm pack` agree.
function prebuildFileName() {
  const flags = (pkg.scripts?.prebuild ?? '').split(/\s+/);
  if (!flags.includes('prebuildify') || !flags.includes('--napi')) {
    throw new Error(`package.json's "prebuild" script is not \`prebuildify --napi ...\`: ${pkg.scripts?.prebuild}`);
  }
  const unsupported = flags.filter((f) => /^--tag-(uv|armv)/.test(f));
  if (unsupported.length) throw new Error(`pack-with-prebuild.mjs does not name prebuilds made with ${unsupported.join(' ')}`);
  const tags = [pkg.name.replace(/\//g, '+')];
  if (flags.includes('--tag-libc')) tags.push(platform() === 'linux' && existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
  return `${tags.join('.')}.node`;
}

// The files `npm pack` would put in, less dist/ and prebuilds/, which are made here.
async function packedTreeFiles() {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, maxBuffer: 64 << 20 });
  return JSON.parse(stdout)[0].files.map((f) => f.path).filter((p) => !p.startsWith('dist/') && !p.startsWith('prebuilds/'));
}

function distIsFresh() {
  const tsFiles = filesUnder(join(root, 'lib')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (!existsSync(join(root, 'dist', 'esm', 'index.mjs'))) return false;
  return tsFiles.every((ts) => {
    const js = join(root, 'dist', 'cjs', relative(join(root, 'lib'), ts)).replace(/\.ts$/, '.js');
    return existsSync(js) && statSync(js).mtimeMs >= statSync(ts).mtimeMs;
  });
}

// What a prebuildify output depends on: the native sources, binding.gyp, node-addon-api, the flags.
function nativeSourcesHash() {
  const hash = createHash('sha256').update(`${pkg.scripts?.prebuild}\0`);
  const addonApi = join(root, 'node_modules', 'node-addon-api', 'package.json');
  if (existsSync(addonApi)) hash.update(JSON.parse(readFileSync(addonApi, 'utf8')).version ?? '');
  for (const f of [join(root, 'binding.gyp'), ...filesUnder(join(root, 'native')).sort()]) {
    hash.update(`\0${relative(root, f)}\0`).update(readFileSync(f));
  }
  return hash.digest('hex').slice(0, 16);
}

function chooseAddonSource(name) {
  const cached = join(outDir, `prebuildify-${nativeSourcesHash()}-${name}`);
  if (forcePrebuildify) return { source: 'prebuildify', cached };
  const previous = join(root, 'prebuilds', `${platform()}-${arch()}`, name);
  if (newerThanNativeSources(previous)) return { source: 'prebuilds/ (an earlier prebuildify)', file: previous, strip: false };
  const release = join(root, 'build', 'Release', 'word2vec_native.node');
  const linked = join(root, 'build', 'Release', 'obj.target', 'word2vec_native.node');
  if (newerThanNativeSources(release) && existsSync(linked) && readFileSync(release).equals(readFileSync(linked))) {
    return { source: 'build/Release (node-gyp)', file: release, strip: true };
  }
  if (existsSync(cached)) return { source: 'prebuildify (kept from an earlier run)', file: cached, strip: false };
  return { source: 'prebuildify', cached };
}

function hashInputs(treeFiles, addon, distFromTree) {
  const hash = createHash('sha256');
  const add = (label, file) => hash.update(`${label}\0${file}\0`).update(readFileSync(join(root, file)));
  for (const f of treeFiles) add('tree', f);
  if (distFromTree) for (const f of filesUnder(join(root, 'dist'))) add('dist', relative(root, f));
  else hash.update('dist built by tsc\0');
  if (addon.file) hash.update('addon\0').update(readFileSync(addon.file));
  else hash.update(`addon built by prebuildify as ${addon.cached}\0`);
  return hash.digest('hex').slice(0, 16);
}

async function main() {
  const name = prebuildFileName();
  const treeFiles = await packedTreeFiles();
  const addon = chooseAddonSource(name);
  const distFromTree = distIsFresh();
  const stamp = hashInputs(treeFiles, addon, distFromTree);
  const tarballPrefix = `${pkg.name.replace(/^@/, '').replace(/\//g, '-')}-${pkg.version}-`;
  const tarball = join(outDir, `${tarballPrefix}${stamp}.tgz`);
  const report = (extra) =>
    console.log(JSON.stringify({
      tarball, prebuild: `prebuilds/${platform()}-${arch()}/${name}`, source: addon.source, dist: distFromTree ? 'working tree' : 'tsc', ...extra,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    }));
  if (existsSync(tarball) && existsSync(`${tarball}.json`)) {
    report({ ...JSON.parse(readFileSync(`${tarball}.json`, 'utf8')), reused: true });
    return;
  }

  if (addon.source === 'prebuildify') {
    const missing = [['c++', 'g++', 'clang++'], ['make'], ['python3', 'python']].filter((alts) => !alts.some(onPath));
    if (missing.length) {
      throw new CannotPrebuild(`no fresh addon build to stage and no toolchain to compile one (not on the PATH: ${missing.map((a) => a.join(' or ')).join(', ')})`);
    }
  }

  const stage = mkdtempSync(join(tmpdir(), 'w2v-pack-stage-'));
  try {
    for (const f of treeFiles) {
      mkdirSync(dirname(join(stage, f)), { recursive: true });
      copyFileSync(join(root, f), join(stage, f));
    }
    // node-addon-api, node-gyp-build, prebuildify and tsc, resolved from the stage as from the tree.
    symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');

    if (distFromTree) {
      cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true });
    } else {
      for (const f of ['tsconfig.json', 'tsconfig.build.json', 'bench/tools/write-esm-entry.mjs']) {
        mkdirSync(dirname(join(stage, f)), { recursive: true });
        copyFileSync(join(root, f), join(stage, f));
      }
      await run('npm', ['run', 'build:ts'], { cwd: stage, maxBuffer: 64 << 20 });
    }

    const prebuildDir = join(stage, 'prebuilds', `${platform()}-${arch()}`);
    let stripped = false;
    if (addon.file) {
      mkdirSync(prebuildDir, { recursive: true });
      copyFileSync(addon.file, join(prebuildDir, name));
      const strip = addon.strip && (platform() === 'linux' || platform() === 'darwin') ? onPath('strip') : undefined;
      if (strip) await run(strip, [join(prebuildDir, name), ...(platform() === 'darwin' ? ['-Sx'] : ['--strip-all'])]);
      stripped = addon.strip ? Boolean(strip) : stripsPrebuilds;
    } else {
      await run('npm', ['run', 'prebuild'], { cwd: stage, maxBuffer: 64 << 20 });
      const made = existsSync(prebuildDir) ? readdirSync(prebuildDir) : [];
      if (made.length !== 1 || made[0] !== name) {
        throw new Error(`prebuildify made ${JSON.stringify(made)} in ${prebuildDir}, expected ["${name}"]`);
      }
      rmSync(join(stage, 'build'), { recursive: true, force: true });
      stripped = stripsPrebuilds;
      mkdirSync(outDir, { recursive: true });
      copyFileSync(join(prebuildDir, name), `${addon.cached}.partial`);
      renameSync(`${addon.cached}.partial`, addon.cached);
    }

    mkdirSync(outDir, { recursive: true });
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', stage], { cwd: stage, maxBuffer: 64 << 20 });
    const packed = JSON.parse(stdout)[0];
    const meta = { stripped, files: packed.entryCount, bytes: packed.size };
    // The metadata first and the tarball last, each renamed into place: a tarball in outDir is whole.
    writeFileSync(`${tarball}.json.partial`, JSON.stringify(meta));
    renameSync(`${tarball}.json.partial`, `${tarball}.json`);
    copyFileSync(join(stage, packed.filename), `${tarball}.partial`);
    renameSync(`${tarball}.partial`, tarball);
    // Older tarballs and prebuildify outputs go: the output directory holds one of each.
    for (const old of readdirSync(outDir)) {
      const path = join(outDir, old);
      const staleTarball = old.startsWith(tarballPrefix) && !path.startsWith(tarball);
      const stalePrebuild = old.startsWith('prebuildify-') && path !== addon.cached && path !== addon.file;
      if (staleTarball || stalePrebuild) rmSync(path, { force: true });
    }
    report({ ...meta, reused: false });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

main().catch((err) => {
  if (err instanceof CannotPrebuild) {
    console.error(`pack-with-prebuild: ${err.message}`);
    process.exit(2);
  }
  console.error(err.stderr ? `${err.message}\n${err.stderr}` : err);
  process.exit(1);
});
