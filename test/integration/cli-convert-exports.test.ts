/**
 * `w2v convert` to the exports (.npy, .onnx by extension; tfjs by -format, OUTPUT a
 * directory) and its flags -vectors and -trainable, run in-process through the CLI's main().
 * The exports' contents are checked by their own readers in exports.test.ts; here, that the
 * CLI writes them from its flags, and refuses what does not apply with exit code 2.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';

import { READABLE_MODEL_FORMATS } from '../../lib/formats/model-format';
import { loadModel, Word2Vec } from '../../lib/index';
import { runCliInProcess } from '../helpers';

const TINY_BIN = join(__dirname, '../fixtures/original-c/tiny.bin');
const work = mkdtempSync(join(tmpdir(), 'w2v-convert-exports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const w2v = runCliInProcess;

const layerConfig = (dir: string): { trainable: boolean; input_dim: number; output_dim: number } =>
  (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: [{ config: { trainable: boolean; input_dim: number; output_dim: number } }] } } })
    .modelTopology.config.layers[0].config;

describe('w2v convert to the exports', () => {
  it('.npy and .onnx by extension, tfjs by -format; the .npy converts back to the same model', async () => {
    const original = await loadModel(TINY_BIN);
    const npy = join(work, 'm.npy');
    const onnx = join(work, 'm.onnx');
    const tfjs = join(work, 'tfjs-dir');
    for (const [output, format, extra] of [[npy, 'npy', []], [onnx, 'onnx', []], [tfjs, 'tfjs', ['-format', 'tfjs']]] as const) {
      const r = await w2v('convert', TINY_BIN, output, ...extra);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`138 words of dimension 8 (word2vec-binary) -> ${output} (${format})\n`);
    }
    expect(readdirSync(work).sort()).toEqual(['m.npy', 'm.onnx', 'm.vocab.tsv', 'tfjs-dir']);
    expect(readdirSync(tfjs).sort()).toEqual(['group1-shard1of1.bin', 'model.json', 'vocab.tsv']);
    expect(layerConfig(tfjs)).toMatchObject({ trainable: false, input_dim: 138, output_dim: 8 });
    const back = await loadModel(npy);
    expect(back.words).toEqual(original.words);
    expect(back.vectors).toEqual(original.vectors);
    const session = await ort.InferenceSession.create(onnx);
    const out = (await session.run({ ids: new ort.Tensor('int64', BigInt64Array.of(137n), [1]) }))['vectors']!;
    await session.release();
    expect(out.data).toEqual(original.vectors.subarray(137 * 8));
    const again = join(work, 'again.bin');
    expect((await w2v('convert', npy, again)).stdout).toBe(`138 words of dimension 8 (npy) -> ${again} (word2vec-binary)\n`);
    expect(readFileSync(again).equals(readFileSync(TINY_BIN))).toBe(true);
    rmSync(again);
  });

  it('-trainable 1 makes the layer trainable; an earlier export is replaced; -limit keeps the first words', async () => {
    const dir = join(work, 'tfjs-trainable');
    expect((await w2v('convert', TINY_BIN, dir, '-format', 'tfjs', '-trainable', '1')).code).toBe(0);
    expect(layerConfig(dir).trainable).toBe(true);
    expect((await w2v('convert', TINY_BIN, dir, '-format', 'tfjs', '-trainable', '0', '-limit', '5')).code).toBe(0);
    expect(layerConfig(dir)).toMatchObject({ trainable: false, input_dim: 5 });
    expect(readFileSync(join(dir, 'vocab.tsv'), 'latin1').split('\n')).toHaveLength(6);
  });

  it('-vectors output writes the output vectors of a model that keeps them', async () => {
    const vectors = Float32Array.from({ length: 6 }, (_, i) => i);
    const m = new Word2Vec({ words: ['a', 'b', 'c'], dim: 2, vectors, outputVectors: vectors.map((v) => -v - 1) });
    const native = join(work, 'with-output.w2vn');
    await m.save(native, { format: 'native' });
    const output = join(work, 'out.npy');
    const r = await w2v('convert', native, output, '-vectors', 'output');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`3 words of dimension 2 (native) -> ${output} (npy, output vectors)\n`);
    expect((await loadModel(output)).vectors).toEqual(m.outputVectors);
    const none = await w2v('convert', TINY_BIN, join(work, 'none.npy'), '-vectors', 'output');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^w2v convert: vectors "output": this model has no output vectors/);
    expect(existsSync(join(work, 'none.npy'))).toBe(false);
  });

  it('bad command lines: exit code 2, a message naming the value, nothing written', async () => {
    const cases: Array<[string[], string]> = [
      [[join(work, 'x.npy'), '-trainable', '1'], '-trainable applies to -format tfjs only, got format "npy"'],
      [[join(work, 'x.onnx'), '-trainable', '0'], '-trainable applies to -format tfjs only, got format "onnx"'],
      [[join(work, 'p') + '/', '-trainable', '1'], '-trainable applies to -format tfjs only, got format "projector"'],
      [[join(work, 'x'), '-format', 'tfjs', '-trainable', '2'], '-trainable must be 0 or 1, got "2"'],
      [[join(work, 'x.npy'), '-vectors', 'both'], '-vectors must be one of input, output, got "both"'],
      [[join(work, 'p') + '/', '-vectors', 'output'], '-vectors output does not apply to -format projector (it shows the input vectors)'],
      [[join(work, 'x.bin'), '-input-format', 'onnx'], `-input-format must be one of ${READABLE_MODEL_FORMATS.join(', ')}, got "onnx"`],
    ];
    for (const [args, message] of cases) {
      const r = await w2v('convert', TINY_BIN, ...args);
      expect(r.stderr).toBe(`w2v convert: ${message}\n`);
      expect(r.code).toBe(2);
    }
    const file = join(work, 'a-file');
    writeFileSync(file, 'mine');
    const onFile = await w2v('convert', TINY_BIN, file, '-format', 'tfjs');
    expect(onFile.stderr).toBe(`w2v convert: OUTPUT ${JSON.stringify(file)} is not a directory\n`);
    expect(onFile.code).toBe(2);
    const under = join(file, 'm.npy');
    expect((await w2v('convert', TINY_BIN, under)).stderr).toBe(`w2v convert: OUTPUT ${JSON.stringify(under)}: ${JSON.stringify(file)} is not a directory\n`);
    expect(readFileSync(file, 'latin1')).toBe('mine');
    expect(readdirSync(work).filter((f) => /^(x|p)\b/.test(f))).toEqual([]);
    expect(READABLE_MODEL_FORMATS).toContain('npy');
    expect(READABLE_MODEL_FORMATS).not.toContain('tfjs');
  });
});
