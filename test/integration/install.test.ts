import { execFile, type ExecFileException } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { onPath } from '../helpers';

// Installs the package as a user does: from its npm tarball (with a prebuild for this platform,
// made by bench/tools/pack-with-prebuild.mjs, or the tarball named by W2V_INSTALL_TARBALL, e.g.
// one a real `npm pack` made) into an empty project, with and without --ignore-scripts, on a PATH
// that holds node, npm and sh and no toolchain; then require and import it in child processes.
// Every child is asynchronous: a synchronous one would block this worker for seconds.

const root = resolve(__dirname, '../..');
const run = promisify(execFile);

/** Tools a build from source needs: none may be on the PATH the installs get. */
const TOOLCHAIN = ['cc', 'gcc', 'g++', 'c++', 'clang', 'clang++', 'make', 'python3', 'python'];
/** A compile of the addon takes 50-120 s on this 2-core machine; an install without one, 2 s. */
const INSTALL_WITHOUT_COMPILE_SECONDS = 30;
const PREBUILD = `prebuilds/${platform()}-${arch()}/word2vec-native.${existsSync('/etc/alpine-release') ? 'musl' : 'glibc'}.node`;

interface Ran {
  code: number;
  output: string;
  stdout: string;
  seconds: number;
}

async function runChild(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Ran> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const { stdout, stderr } = await run(file, args, { ...options, encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: 0, output: `${stdout}\n${stderr}`, stdout, seconds: seconds() };
  } catch (e) {
    const err = e as ExecFileException & { stdout?: string; stderr?: string };
    const code = typeof err.code === 'number' ? err.code : -1;
    return { code, output: `${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`, stdout: err.stdout ?? '', seconds: seconds() };
  }
}


// The child's environment: this one, less what would pick another addon or force a build
// (node-gyp-build's WORD2VEC_NATIVE_PREBUILD, PREBUILDS_ONLY, LIBC; this package's
// WORD2VEC_NATIVE_ADDON), less the npm_* variables an `npm test` parent sets (its prefix, its
// lifecycle, its flags), keeping the npm settings that say where packages come from.
function childEnv(path: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dropped = /^(WORD2VEC_NATIVE.*|PREBUILDS_ONLY|LIBC|PYTHON|INIT_CWD)$/;
  const npmKept = /^npm_config_(registry|cache|userconfig|nodedir|cafile|ca|strict_ssl|proxy|https_proxy|noproxy)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (dropped.test(key) || (/^npm_/i.test(key) && !npmKept.test(key))) continue;
    env[key] = value;
  }
  return { ...env, PATH: path, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

// Trains a small corpus, seeded on one thread (so both module systems give the same numbers),
// and prints what a user sees plus the addon files Node loaded.
const TRAIN_AND_QUERY = `
const lines = [];
for (let i = 0; i < 300; i++) lines.push(i % 2 ? 'a b c d' : 'e f g h');
const model = await w2v.train(lines, { dim: 8, epochs: 2, minCount: 1, threads: 1, seed: 7 });
const pkgDir = path.dirname(require.resolve('word2vec-native/package.json'));
console.log(JSON.stringify({
  pkgDir,
  size: model.size,
  words: model.words,
  dim: model.vector('a').length,
  neighbours: model.mostSimilar('a', { topK: 3 }),
  addons: Object.keys(require.cache).filter((k) => k.endsWith('.node')),
}));
`;
const CJS_SCRIPT = `const path = require('node:path');
const w2v = require('word2vec-native');
(async () => {${TRAIN_AND_QUERY}})().catch((e) => { console.error(e); process.exit(1); });
`;
const ESM_SCRIPT = `import path from 'node:path';
import { createRequire } from 'node:module';
import * as w2v from 'word2vec-native';
const require = createRequire(import.meta.url);
${TRAIN_AND_QUERY}`;

interface Trained {
  pkgDir: string;
  size: number;
  words: string[];
  dim: number;
  neighbours: Array<{ word: string; score: number }>;
  addons: string[];
}

let tarball: string | undefined;
let skipReason: string | undefined;
let hiddenBin = '';
const projects: string[] = [];

async function makeTarball(): Promise<void> {
  const given = process.env['W2V_INSTALL_TARBALL'];
  if (given) {
    if (!existsSync(given)) throw new Error(`W2V_INSTALL_TARBALL names a missing file: ${given}`);
    tarball = resolve(given);
    return;
  }
  const made = await runChild(process.execPath, [join(root, 'bench/tools/pack-with-prebuild.mjs')], { cwd: root, timeout: 540_000 });
  if (made.code === 2) {
    skipReason = made.output.trim().split('\n').pop();
    return;
  }
  if (made.code !== 0) throw new Error(`bench/tools/pack-with-prebuild.mjs failed:\n${made.output}`);
  const report = JSON.parse(made.stdout.trim().split('\n').pop() ?? '') as { tarball: string; source: string; seconds: number };
  console.info(`install test: tarball ${report.tarball} (addon from ${report.source}, ${report.seconds} s)`);
  tarball = report.tarball;
}

// A bin directory with node, npm and sh only (npm runs scripts with `sh -c`, found on the PATH).
function makeHiddenToolchainBin(): void {
  hiddenBin = mkdtempSync(join(tmpdir(), 'w2v-node-only-bin-'));
  const npm = onPath('npm', process.env['PATH'] ?? '');
  if (!npm) throw new Error('npm is not on the PATH');
  symlinkSync(process.execPath, join(hiddenBin, 'node'));
  symlinkSync(realpathSync(npm), join(hiddenBin, 'npm'));
  symlinkSync(realpathSync(onPath('sh', process.env['PATH'] ?? '') ?? '/bin/sh'), join(hiddenBin, 'sh'));
}

function emptyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'w2v-install-'));
  projects.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'w2v-install-check', version: '1.0.0', private: true }));
  writeFileSync(join(dir, 'train.cjs'), CJS_SCRIPT);
  writeFileSync(join(dir, 'train.mjs'), ESM_SCRIPT);
  return dir;
}

async function install(project: string, flags: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runChild(
    join(hiddenBin, 'npm'),
    ['install', '--prefer-offline', '--foreground-scripts', '--no-audit', '--no-fund', ...flags, tarball ?? ''],
    { cwd: project, env: childEnv(hiddenBin, extraEnv), timeout: 180_000 },
  );
}

async function trainIn(project: string, script: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runChild(join(hiddenBin, 'node'), [script], { cwd: project, env: childEnv(hiddenBin, extraEnv), timeout: 60_000 });
}

function expectTrainedFromPrebuild(ran: Ran, project: string): Trained {
  expect(ran.code, ran.output).toBe(0);
  const trained = JSON.parse(ran.stdout) as Trained;
  expect(realpathSync(trained.pkgDir)).toBe(realpathSync(join(project, 'node_modules', 'word2vec-native')));
  expect(trained.addons.map((a) => realpathSync(a))).toEqual([realpathSync(join(trained.pkgDir, PREBUILD))]);
  expect(trained.size).toBe(8);
  expect([...trained.words].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  expect(trained.dim).toBe(8);
  expect(trained.neighbours).toHaveLength(3);
  for (const { word, score } of trained.neighbours) {
    expect(trained.words).toContain(word);
    expect(word).not.toBe('a');
    expect(Number.isFinite(score)).toBe(true);
    expect(Math.abs(score)).toBeLessThanOrEqual(1 + 1e-6);
  }
  const scores = trained.neighbours.map((n) => n.score);
  expect(scores).toEqual([...scores].sort((x, y) => y - x));
  return trained;
}

async function installAndUse(flags: string[]): Promise<{ project: string; installed: Ran }> {
  const project = emptyProject();
  const installed = await install(project, flags);
  expect(installed.code, installed.output).toBe(0);
  const pkgDir = join(project, 'node_modules', 'word2vec-native');
  expect(existsSync(join(pkgDir, PREBUILD))).toBe(true);
  // No compile: node-gyp made no build/ and never ran, and the install took seconds.
  expect(existsSync(join(pkgDir, 'build'))).toBe(false);
  expect(installed.output).not.toMatch(/gyp (info|ERR!)/);
  expect(installed.seconds).toBeLessThan(INSTALL_WITHOUT_COMPILE_SECONDS);
  const viaRequire = expectTrainedFromPrebuild(await trainIn(project, 'train.cjs'), project);
  const viaImport = expectTrainedFromPrebuild(await trainIn(project, 'train.mjs'), project);
  expect(viaImport).toEqual(viaRequire);
  return { project, installed };
}

describe.skipIf(platform() === 'win32')('installing the npm tarball on a machine without a toolchain', () => {
  beforeAll(async () => {
    makeHiddenToolchainBin();
    await makeTarball();
  }, 600_000);

  afterAll(() => {
    for (const dir of [...projects, hiddenBin]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the PATH the installs get finds node and npm but no compiler, make or python', () => {
    expect(onPath('node', hiddenBin)).toBeDefined();
    expect(onPath('npm', hiddenBin)).toBeDefined();
    for (const tool of TOOLCHAIN) expect(onPath(tool, hiddenBin), tool).toBeUndefined();
  });

  it('the tarball carries dist/ and the N-API prebuild under the name node-gyp-build looks for', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const listed = await runChild('tar', ['-tzf', tarball ?? ''], { cwd: root });
    expect(listed.code).toBe(0);
    const files = listed.stdout.split('\n');
    for (const f of ['dist/cjs/index.js', 'dist/esm/index.mjs', 'binding.gyp', PREBUILD]) expect(files).toContain(`package/${f}`);
    expect(files.filter((f) => f.includes('/prebuilds/'))).toEqual([`package/${PREBUILD}`]);
    expect(files.some((f) => f.startsWith('package/build/'))).toBe(false);
  });

  it('npm install <tarball>: the install script finds the prebuild and compiles nothing; require and import train and query', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const { installed } = await installAndUse([]);
    expect(installed.output).toMatch(/> node-gyp-build/);
  }, 240_000);

  it('npm install --ignore-scripts <tarball>: loads the prebuild at run time; require and import train and query', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const { project, installed } = await installAndUse(['--ignore-scripts']);
    expect(installed.output).not.toMatch(/> node-gyp-build/);

    // Where no prebuild matches (a musl libc, as node-gyp-build sees it), loading fails and says how to build.
    const unmatched = await trainIn(project, 'train.cjs', { LIBC: 'musl' });
    expect(unmatched.code).toBe(1);
    expect(unmatched.output).toMatch(/word2vec-native: the native addon did not load from .*word2vec-native/);
    expect(unmatched.output).toMatch(/No native build was found for platform=\S+ arch=\S+ .*libc=musl/);
    expect(unmatched.output).toMatch(/npm rebuild word2vec-native/);
  }, 240_000);

  it('npm install <tarball> where no prebuild matches builds from source (here: tries, and fails without a toolchain)', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const project = emptyProject();
    const installed = await install(project, [], { LIBC: 'musl' });
    expect(installed.output).toMatch(/> node-gyp-build/);
    expect(installed.output).toMatch(/gyp (info|ERR!)/);
    expect(installed.output).toMatch(/python/i);
    expect(installed.code).not.toBe(0);
  }, 240_000);
});
