/**
 * The optional CUDA path where there is no GPU: what the default addon says and refuses,
 * 'auto' on the CPU, the CLI's -device, and (where nvcc is installed) a CUDA build of the
 * addon and of the GPU tests for one architecture, which must compile, link, load, report why
 * no device is usable, refuse 'cuda' naming that reason and train on the CPU under 'auto'. On
 * a machine with a GPU the same checks expect 'cuda' to train on it, and 'auto' still on the
 * CPU: the GPU trainer is picked only when asked for until bench/gpu.sh has passed on a GPU.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { cudaDevices, train, trainItems } from '../../lib/index';
import { native } from '../../lib/native/addon';
import { onPath, type ProcessResult, rng, runProcess } from '../helpers';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cjs/cli.js');
const NO_CUDA = 'device "cuda" is not available: this build of word2vec-native has no CUDA support; build it with npm run build:cuda';

const work = mkdtempSync(join(tmpdir(), 'w2v-cuda-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Sentences of 10 words, each drawn from one of 4 groups of 8 words. */
function planted(sentences: number): string[] {
  const random = rng(5);
  const lines: string[] = [];
  for (let s = 0; s < sentences; s++) {
    const group = Math.floor(random() * 4);
    const words: string[] = [];
    for (let i = 0; i < 10; i++) words.push(`w${group}_${Math.floor(random() * 8)}`);
    lines.push(words.join(' '));
  }
  return lines;
}

describe('this build of the addon', () => {
  const status = native().cudaStatus();

  it('describes its CUDA support, and cudaDevices() lists what it sees', () => {
    expect(typeof status.compiled).toBe('boolean');
    if (!status.compiled) {
      expect(status).toEqual({ compiled: false, deviceCount: 0, error: 'this build of word2vec-native has no CUDA support', devices: [] });
      expect(cudaDevices()).toEqual([]);
    } else {
      expect(cudaDevices().length).toBe(status.deviceCount);
      for (const d of cudaDevices()) expect(d.computeCapability).toMatch(/^\d+\.\d+$/);
    }
  });

  it("'auto' trains on the CPU, whatever the build sees, and the stats say so", async () => {
    const m = await train(planted(400), { minCount: 1, epochs: 2, dim: 16, threads: 1, device: 'auto' });
    expect(m.trainingStats!.device).toBe('cpu');
    expect(m.trainingStats!.epochs.map((e) => e.words)).toEqual([4000, 4000]);
    expect(m.trainingStats!.epochs[0]).not.toHaveProperty('bytesMoved');
  });

  it.skipIf(status.compiled)("'cuda' is refused, naming the reason, before the corpus is read", async () => {
    await expect(train(planted(10), { minCount: 1, device: 'cuda' })).rejects.toThrow(new Error(NO_CUDA));
    await expect(train(12 as never, { device: 'cuda' })).rejects.toThrow(new Error(NO_CUDA));
  });

  it('trainItems refuses cuda and trains auto on the CPU', async () => {
    const sessions = [['a', 'b', 'c'], ['b', 'c', 'd'], ['a', 'c', 'd']];
    await expect(trainItems(sessions, { device: 'cuda' })).rejects.toThrow(
      new Error('device "cuda" is not available for trainItems: the GPU trainer has no item2vec objectives (use "cpu" or "auto")'),
    );
    const items = await trainItems(sessions, { device: 'auto', dim: 8, epochs: 1 });
    expect(items.model.trainingStats!.device).toBe('cpu');
    await expect(trainItems(sessions, { device: 'gpu' as never })).rejects.toThrow(
      new TypeError('device must be "cpu", "cuda" or "auto", got "gpu"'),
    );
  });

  it.skipIf(!existsSync(CLI))('w2v train -device: help, a bad value, cuda refused, auto', async () => {
    const corpus = join(work, 'planted.txt');
    writeFileSync(corpus, planted(300).join('\n') + '\n');
    const w2v = (args: string[]): Promise<ProcessResult> => runProcess(process.execPath, [CLI, ...args], { cwd: ROOT });
    expect((await w2v(['train', '--help'])).stdout).toMatch(/^\t-device <cpu\|cuda\|auto>\n\t\t[^\n]*; default is auto\n/m);
    const bad = await w2v(['train', '-train', corpus, '-device', 'gpu']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('w2v train: -device must be "cpu", "cuda" or "auto", got "gpu"\n');
    const base = ['train', '-train', corpus, '-output', join(work, 'out.txt'), '-min-count', '1', '-size', '8', '-iter', '1', '-debug', '1'];
    if (!status.compiled) {
      const cuda = await w2v([...base, '-device', 'cuda']);
      expect(cuda.status).toBe(1);
      expect(cuda.stderr).toBe(`w2v train: ${NO_CUDA}\n`);
    }
    const auto = await w2v([...base, '-device', 'auto']);
    expect(auto.status).toBe(0);
    expect(auto.stdout.includes('Trained on the GPU (device cuda)')).toBe(false);
  });
});

function findNvcc(): string | undefined {
  const candidates = [process.env['CUDACXX'], onPath('nvcc'), '/usr/local/cuda/bin/nvcc'];
  return candidates.find((c): c is string => typeof c === 'string' && c !== '' && existsSync(c));
}

const NVCC = findNvcc();
const CMAKE = onPath('cmake') !== undefined;
const BUILD = join(ROOT, 'build/cuda-test');
const ADDON_DIR = join(BUILD, 'addon');

describe.skipIf(!NVCC || !CMAKE)(
  NVCC && CMAKE
    ? `a CUDA build (${NVCC}, sm_90 only) into build/cuda-test`
    : 'a CUDA build: skipped, no nvcc found (CUDACXX, PATH, /usr/local/cuda/bin) or no cmake',
  () => {
    const env = { ...process.env, CUDACXX: NVCC };
    // Asynchronous: a build of minutes must not block this worker's event loop (vitest's RPC).
    const sh = (command: string, args: string[], timeout: number, extraEnv: NodeJS.ProcessEnv = env) =>
      new Promise<{ status: number | null; out: string; stdout: string }>((done, fail) => {
        const child = spawn(command, args, { cwd: ROOT, env: extraEnv, timeout });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', fail);
        child.on('close', (status) => done({ status, out: `${stdout}\n${stderr}`, stdout }));
      });

    it('compiles and links the addon and the GPU tests (cmake-js, W2V_CUDA=ON)', async () => {
      const configure = await sh(process.execPath, [
        join(ROOT, 'node_modules/cmake-js/bin/cmake-js'), 'configure', '--out', BUILD, '--CDW2V_CUDA=ON',
        '--CDW2V_CUDA_ARCHITECTURES=90-real', '--CDW2V_CORE_TESTS=ON', `--CDW2V_ADDON_OUTPUT_DIR=${ADDON_DIR}`,
      ], 300_000);
      expect(configure.status, configure.out).toBe(0);
      expect(configure.out).toMatch(/W2V_CUDA: building the CUDA trainer for 90-real/);
      const build = await sh('cmake', ['--build', BUILD, '--target', 'word2vec_native', 'w2v_cuda_tests', '--parallel', '2'], 900_000);
      expect(build.status, build.out.slice(-4000)).toBe(0);
      expect(existsSync(join(ADDON_DIR, 'word2vec_native.node'))).toBe(true);
    }, 1_000_000);

    it('the GPU tests skip (exit 77) naming why, or pass where a GPU is visible', async () => {
      const r = await sh(join(BUILD, 'w2v_cuda_tests'), [], 600_000);
      if (r.status === 77) {
        expect(r.stdout).toMatch(/^skipped: no CUDA device is visible \(cudaGetDeviceCount returned [^\n]+\)\n$/);
      } else {
        expect(r.status, r.out.slice(-4000)).toBe(0);
        expect(r.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
      }
    }, 700_000);

    it("the CUDA addon loads, says why no device is usable, refuses 'cuda' (or trains on the GPU) and trains 'auto' on the CPU", async () => {
      const probe = `
        const { train, cudaDevices } = require(${JSON.stringify(join(ROOT, 'dist/cjs/index.js'))});
        const { native } = require(${JSON.stringify(join(ROOT, 'dist/cjs/native/addon.js'))});
        (async () => {
          const status = native().cudaStatus();
          const lines = Array.from({ length: 300 }, (_, i) => 'a b c d e f g h'.split(' ').map((w) => w + (i % 3)).join(' '));
          const auto = await train(lines, { minCount: 1, dim: 8, epochs: 1, device: 'auto' });
          let refusal = null;
          try { await train(lines, { minCount: 1, device: 'cuda', dim: 8, epochs: 1 }); } catch (e) { refusal = e.message; }
          process.stdout.write(JSON.stringify({ status, devices: cudaDevices(), auto: auto.trainingStats.device, refusal }));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
      expect(existsSync(join(ROOT, 'dist/cjs/index.js')), 'dist/ is missing: npm run build:ts').toBe(true);
      const r = await sh(process.execPath, ['-e', probe], 120_000, { ...env, WORD2VEC_NATIVE_ADDON: join(ADDON_DIR, 'word2vec_native.node') });
      expect(r.status, r.out).toBe(0);
      const result = JSON.parse(r.stdout) as {
        status: { compiled: boolean; deviceCount: number; error?: string; devices: unknown[] };
        devices: unknown[];
        auto: string;
        refusal: string | null;
      };
      expect(result.status.compiled).toBe(true);
      if (result.status.deviceCount === 0) {
        expect(result.status.error).toMatch(/^cudaGetDeviceCount returned \w+ \(.+\)$/);
        expect(result.devices).toEqual([]);
        expect(result.auto).toBe('cpu');
        expect(result.refusal).toBe(`device "cuda" is not available: no CUDA device is visible (${result.status.error})`);
      } else {
        expect(result.devices.length).toBe(result.status.deviceCount);
        expect(result.auto).toBe('cpu');
        expect(result.refusal).toBeNull();
      }
    }, 150_000);
  },
);
