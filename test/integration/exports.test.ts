/**
 * The exports (issue 16) read back by readers other than ours: TensorFlow.js loads the tfjs
 * directory and its Embedding layer looks ids up to our vectors, onnxruntime runs the ONNX
 * model to them (its external data too), NumPy loads the .npy; loadModel reads the .npy pair
 * back. Equality is bitwise (the bytes of the float32 values). Also the rows save picks
 * (vectors, limit), and bad input: Errors naming the value, and no half-written export.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { onnxExternalDataPath, onnxVocabularyPath, writeOnnx } from '../../lib/formats/onnx';
import { npyVocabularyPath } from '../../lib/formats/npy';
import { defaultCorpusPath, loadModel, train, Word2Vec } from '../../lib/index';
import { rejection, runProcess } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-exports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let trained: Word2Vec;
beforeAll(async () => {
  trained = await train(defaultCorpusPath(), { dim: 12, epochs: 1, minCount: 40, threads: 1, seed: 7 });
  expect(trained.outputVectors).toBeInstanceOf(Float32Array);
}, 60_000);

const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** Bitwise equality of float32 arrays (a mismatch is reported at its first index). */
function expectSameFloats(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  if (!bytes(got).equals(bytes(want))) {
    const i = got.findIndex((v, k) => !Object.is(v, want[k]));
    expect({ index: i, value: got[i] }).toEqual({ index: i, value: want[i] });
  }
}

/** A small model with output vectors and counts, values of every sign and size (-0 and subnormals too). */
function smallModel(): Word2Vec {
  const words = ['</s>', 'the', 'é', 'a_b', 'x'];
  const dim = 3;
  const vectors = Float32Array.from([0, -0, 1e-40, -1, 2.5, 3.4e38, 0.1, -0.2, 0.3, 7, 8, 9, -1e-8, 1e8, 42]);
  return new Word2Vec({ words, dim, vectors, outputVectors: vectors.map((v) => v * 2 + 1), counts: Float64Array.from([50, 40, 30, 20, 10]) });
}

/** Runs a Python script (skipping the test where python3 or NumPy is missing); its stderr must be empty. */
async function python(ctx: { skip: (note: string) => never }, script: string, ...args: string[]): Promise<{ stdout: string }> {
  const r = await runProcess('python3', ['-c', script, ...args]).catch((e: Error) => ({ status: -1, stdout: '', stderr: e.message }));
  if (r.status !== 0 && /No module named .numpy.|ENOENT/.test(r.stderr)) ctx.skip('needs python3 with numpy');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r;
}


/** Loads a tfjs export directory with TensorFlow.js: model.json and the shards its manifest names. */
async function loadTfjs(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    format: string;
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(dir, p))));
  const data = Buffer.concat(shards);
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return tf.loadLayersModel({
    load: async () => ({
      format: json.format,
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData,
    }),
  });
}

/** Every row of a tfjs export looked up by id with model.predict. */
async function predictAll(model: tf.LayersModel, rows: number): Promise<Float32Array> {
  const ids = tf.tensor2d(Int32Array.from({ length: rows }, (_, i) => i), [rows, 1], 'int32');
  const out = model.predict(ids) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  expect(out.shape).toEqual([rows, 1, model.layers[0]!.getWeights()[0]!.shape[1]]);
  tf.dispose([ids, out]);
  return values;
}

/** Every row of an ONNX export looked up by id with onnxruntime. */
async function runOnnx(path: string, rows: number): Promise<{ values: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(path);
  try {
    expect(session.inputNames).toEqual(['ids']);
    expect(session.outputNames).toEqual(['vectors']);
    const ids = new ort.Tensor('int64', BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)), [rows]);
    const out = (await session.run({ ids }))['vectors']!;
    return { values: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

describe('tfjs: tf.loadLayersModel + predict', () => {
  it('a trained model: the Embedding layer looks every id up to our vectors, frozen by default', async () => {
    const dir = join(work, 'tfjs-trained');
    await trained.save(dir, { format: 'tfjs' });
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['group1-shard1of1.bin', 'model.json', 'vocab.tsv']);
    const model = await loadTfjs(dir);
    expect(model.layers).toHaveLength(1);
    expect(model.layers[0]!.getClassName()).toBe('Embedding');
    expect(model.layers[0]!.trainable).toBe(false);
    expectSameFloats(await predictAll(model, trained.size), trained.vectors);
    const vocab = readFileSync(join(dir, 'vocab.tsv'), 'latin1').split('\n');
    expect(vocab).toHaveLength(trained.size + 1);
    expect(vocab[1]).toBe(`${trained.words[1]}\t${trained.counts![1]}`);
    model.dispose();
  });

  it('trainable as asked, output vectors, limit, -0 and subnormals kept, an earlier export replaced', async () => {
    const m = smallModel();
    const dir = join(work, 'tfjs-small');
    await m.save(dir, { format: 'tfjs', trainable: true });
    await m.save(dir, { format: 'tfjs', trainable: true, vectors: 'output', limit: 4 });
    const model = await loadTfjs(dir);
    expect(model.layers[0]!.trainable).toBe(true);
    expect(model.trainableWeights).toHaveLength(1);
    expectSameFloats(await predictAll(model, 4), m.outputVectors!.subarray(0, 12));
    expect(readFileSync(join(dir, 'vocab.tsv'), 'latin1')).toBe('</s>\t50\nthe\t40\n\xc3\xa9\t30\na_b\t20\n');
    model.dispose();
    await m.save(dir, { format: 'tfjs', trainable: false });
    const frozen = await loadTfjs(dir);
    expect(frozen.layers[0]!.trainable).toBe(false);
    expectSameFloats(await predictAll(frozen, 5), m.vectors);
    frozen.dispose();
    expect(readdirSync(work).filter((f) => f.startsWith('tfjs-small.'))).toEqual([]);
  });

  it('a matrix past 4 MiB is cut into shards of 4 MiB that load back in order', async () => {
    const words = Array.from({ length: 9000 }, (_, i) => `w${i}`);
    const dim = 128; // 4.6 MB: two shards
    const vectors = Float32Array.from({ length: words.length * dim }, (_, i) => Math.sin(i) * 1e3);
    const m = new Word2Vec({ words, dim, vectors });
    const dir = join(work, 'tfjs-sharded');
    await m.save(dir, { format: 'tfjs' });
    expect(statSync(join(dir, 'group1-shard1of2.bin')).size).toBe(4 << 20);
    expect(statSync(join(dir, 'group1-shard2of2.bin')).size).toBe(words.length * dim * 4 - (4 << 20));
    const model = await loadTfjs(dir);
    expectSameFloats(await predictAll(model, words.length), vectors);
    model.dispose();
  });
});

describe('onnx: onnxruntime-node', () => {
  it('a trained model: ids [N] -> vectors [N, dim], exactly ours; the vocabulary beside it', async () => {
    const path = join(work, 'trained.onnx');
    await trained.save(path, { format: 'onnx' });
    const { values, dims } = await runOnnx(path, trained.size);
    expect(dims).toEqual([trained.size, trained.dim]);
    expectSameFloats(values, trained.vectors);
    expect(onnxVocabularyPath(path)).toBe(join(work, 'trained.vocab.tsv'));
    expect(readFileSync(onnxVocabularyPath(path), 'latin1').split('\n')[0]).toBe(`${trained.words[0]}\t${trained.counts![0]}`);
    expect(existsSync(onnxExternalDataPath(path))).toBe(false);
  });

  it('output vectors and limit; ids in any order', async () => {
    const m = smallModel();
    const path = join(work, 'small.onnx');
    await m.save(path, { format: 'onnx', vectors: 'output', limit: 3 });
    const session = await ort.InferenceSession.create(path);
    const ids = new ort.Tensor('int64', BigInt64Array.from([2n, 0n, 2n, 1n]), [4]);
    const out = (await session.run({ ids }))['vectors']!;
    await session.release();
    const o = m.outputVectors!;
    expectSameFloats(out.data as Float32Array, Float32Array.from([...o.subarray(6, 9), ...o.subarray(0, 3), ...o.subarray(6, 9), ...o.subarray(3, 6)]));
    expect(readFileSync(onnxVocabularyPath(path), 'latin1')).toBe('</s>\t50\nthe\t40\n\xc3\xa9\t30\n');
  });

  it('external data past the inline limit (forced small): data_location EXTERNAL in X.onnx.data, still exact', async () => {
    const path = join(work, 'external.onnx');
    const table = { keys: trained.keys, dim: trained.dim, vectors: trained.vectors };
    await writeOnnx(path, table, { inlineLimit: 1024 });
    const data = onnxExternalDataPath(path);
    expect(readFileSync(data).equals(bytes(trained.vectors))).toBe(true);
    expect(statSync(path).size).toBeLessThan(1024);
    const { values } = await runOnnx(path, trained.size);
    expectSameFloats(values, trained.vectors);
    // At the limit the matrix stays inline.
    const inline = join(work, 'inline.onnx');
    await writeOnnx(inline, table, { inlineLimit: trained.vectors.byteLength });
    expect(existsSync(onnxExternalDataPath(inline))).toBe(false);
    expectSameFloats((await runOnnx(inline, trained.size)).values, trained.vectors);
  });
});

describe('npy: NumPy and loadModel', () => {
  it('numpy.load gives our float32 C-order matrix (sha256 of its bytes), the vocabulary reads as UTF-8', async (ctx) => {
    const path = join(work, 'trained.npy');
    await trained.save(path, { format: 'npy' });
    const script =
      'import sys, hashlib, numpy as np\n' +
      'm = np.load(sys.argv[1])\n' +
      'words = [l.split("\\t")[0] for l in open(sys.argv[2], encoding="utf-8").read().splitlines()]\n' +
      'print(m.dtype, m.shape, m.flags["C_CONTIGUOUS"], hashlib.sha256(m.tobytes()).hexdigest(), len(words), words[1])\n';
    const r = await python(ctx, script, path, npyVocabularyPath(path));
    const sha = createHash('sha256').update(bytes(trained.vectors)).digest('hex');
    expect(r.stdout).toBe(`float32 (${trained.size}, ${trained.dim}) True ${sha} ${trained.size} ${trained.words[1]}\n`);
  });

  it('loadModel reads a matrix NumPy wrote (its own header), detected by its magic number', async (ctx) => {
    const path = join(work, 'numpy-made.npy');
    await python(ctx, 'import sys, numpy as np\nnp.save(sys.argv[1], np.arange(12, dtype="<f4").reshape(4, 3) * 0.25 - 1)\n', path);
    writeFileSync(npyVocabularyPath(path), 'a\nb\nc\nd\n');
    const m = await loadModel(path);
    expect(m.words).toEqual(['a', 'b', 'c', 'd']);
    expectSameFloats(m.vectors, Float32Array.from({ length: 12 }, (_, i) => i * 0.25 - 1));
  });

  it('loadModel reads the pair back: words, vectors, counts; limit; output vectors saved as the matrix', async () => {
    const m = smallModel();
    const path = join(work, 'small.npy');
    await m.save(path, { format: 'npy' });
    const back = await loadModel(path);
    expect(back.words).toEqual(m.words);
    expectSameFloats(back.vectors, m.vectors);
    expect(back.counts).toEqual(m.counts);
    const two = await loadModel(path, { limit: 2 });
    expect(two.words).toEqual(['</s>', 'the']);
    expectSameFloats(two.vectors, m.vectors.subarray(0, 6));
    await m.save(path, { format: 'npy', vectors: 'output', limit: 4 });
    const out = await loadModel(path, { format: 'npy' });
    expect(out.words).toEqual(m.words.slice(0, 4));
    expectSameFloats(out.vectors, m.outputVectors!.subarray(0, 12));
    // Without counts the vocabulary is the words alone.
    const plain = new Word2Vec({ words: ['a', 'b'], dim: 2, vectors: Float32Array.from([1, 2, 3, 4]) });
    await plain.save(path, { format: 'npy' });
    expect(readFileSync(npyVocabularyPath(path), 'latin1')).toBe('a\nb\n');
    expect((await loadModel(path)).counts).toBeUndefined();
  });

  it('refuses a missing or mismatched vocabulary, naming it', async () => {
    const path = join(work, 'lonely.npy');
    await smallModel().save(path, { format: 'npy' });
    const vocab = npyVocabularyPath(path);
    writeFileSync(vocab, 'a\nb\n');
    expect((await rejection(loadModel(path))).message).toBe(`the vocabulary has 2 words, the matrix 5 rows (vocabulary ${JSON.stringify(vocab)} of ${JSON.stringify(path)})`);
    rmSync(vocab);
    expect((await rejection(loadModel(path))).message).toBe(
      `the vocabulary file ${JSON.stringify(vocab)} of ${JSON.stringify(path)} is missing (it names the matrix's rows)`,
    );
  });
});

describe('bad input: Errors naming the value, nothing half-written', () => {
  let m: Word2Vec;
  beforeAll(() => {
    m = smallModel();
  });

  it('an unknown format, a limit out of range, output vectors the model lacks, trainable for another format', async () => {
    const path = join(work, 'bad.npy');
    expect((await rejection(m.save(path, { format: 'xyz' as never }))).message).toMatch(/^format must be .*"npy".*"onnx".*, got "xyz"$/);
    for (const limit of [0, 6, 1.5]) {
      expect((await rejection(m.save(path, { format: 'npy', limit })))).toEqual(new RangeError(`limit must be an integer in [1, 5], got ${limit}`));
    }
    const noOutput = new Word2Vec({ words: ['a'], dim: 1, vectors: Float32Array.of(1) });
    expect((await rejection(noOutput.save(join(work, 'no.onnx'), { format: 'onnx', vectors: 'output' }))).message).toMatch(/^vectors "output": this model has no output vectors/);
    expect((await rejection(m.save(path, { format: 'npy', vectors: 'both' as never }))).message).toBe('vectors must be "input" or "output", got "both"');
    for (const format of ['npy', 'onnx'] as const) {
      expect(await rejection(m.save(join(work, `t.${format}`), { format, trainable: true }))).toEqual(
        new TypeError(`option "trainable" does not apply to format "${format}"`),
      );
    }
    expect(await rejection(m.save(join(work, 'tf'), { format: 'tfjs', trainable: 1 as never }))).toEqual(new TypeError('trainable must be a boolean, got 1'));
    expect(readdirSync(work).filter((f) => /^(bad|no|t|tf)\b/.test(f))).toEqual([]);
  });

  it('a disposed model', async () => {
    const gone = smallModel();
    gone.dispose();
    for (const format of ['npy', 'onnx', 'tfjs'] as const) {
      expect((await rejection(gone.save(join(work, `gone-${format}`), { format }))).message).toBe('model is disposed');
    }
    expect(readdirSync(work).filter((f) => f.startsWith('gone-'))).toEqual([]);
  });

  it('a directory that cannot be written (a parent that is a file): the error names the path, nothing is left', async () => {
    const file = join(work, 'plain-file');
    writeFileSync(file, 'x');
    for (const [name, format] of [['m.npy', 'npy'], ['m.onnx', 'onnx'], ['m', 'tfjs']] as const) {
      const path = join(file, name);
      const err = await rejection(m.save(path, { format }));
      expect(err.message).toBe(`cannot write ${JSON.stringify(path)}: ENOTDIR: not a directory`);
    }
    expect(readFileSync(file, 'latin1')).toBe('x');
  });

  it.skipIf(process.getuid?.() === 0)('a read-only directory (as a user other than root)', async () => {
    const dir = join(work, 'read-only');
    mkdirSync(dir, { mode: 0o555 });
    for (const [name, format] of [['m.npy', 'npy'], ['m.onnx', 'onnx'], ['m', 'tfjs']] as const) {
      expect((await rejection(m.save(join(dir, name), { format }))).message).toContain('EACCES');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a failed export leaves the previous one whole and no temporary file (a word the vocabulary cannot hold, a directory in the way)', async () => {
    const dir = join(work, 'fail');
    mkdirSync(dir);
    await m.save(join(dir, 'x.npy'), { format: 'npy' });
    await m.save(join(dir, 'x.onnx'), { format: 'onnx' });
    await m.save(join(dir, 'tf'), { format: 'tfjs' });
    const before = new Map(readdirSync(dir).filter((f) => f !== 'tf').map((f) => [f, readFileSync(join(dir, f))]));
    const tfBefore = readFileSync(join(dir, 'tf', 'model.json'));
    const tab = new Word2Vec({ words: ['a\tb', 'c'], dim: 3, vectors: new Float32Array(6) });
    for (const [name, format] of [['x.npy', 'npy'], ['x.onnx', 'onnx'], ['tf', 'tfjs']] as const) {
      expect((await rejection(tab.save(join(dir, name), { format }))).message).toBe(
        'vocabulary word 0 "a\\tb" is empty or contains a tab, newline, carriage return or a char above \\xff',
      );
    }
    // The matrix written, then the rename blocked by a directory at the target.
    mkdirSync(join(dir, 'y.npy'));
    const err = await rejection(m.save(join(dir, 'y.npy'), { format: 'npy' }));
    expect(err.message).toBe(`cannot write ${JSON.stringify(join(dir, 'y.npy'))}: EISDIR: illegal operation on a directory`);
    expect(existsSync(join(dir, 'y.vocab.tsv'))).toBe(false);
    // A directory of the user's own is never replaced by a tfjs export.
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'keep');
    expect((await rejection(m.save(join(dir, 'mine'), { format: 'tfjs' }))).message).toBe(
      `cannot write ${JSON.stringify(join(dir, 'mine'))}: the directory holds files but no model.json, so it is no previous export to replace`,
    );
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'latin1')).toBe('keep');
    for (const [f, content] of before) expect(readFileSync(join(dir, f)).equals(content)).toBe(true);
    expect(readFileSync(join(dir, 'tf', 'model.json')).equals(tfBefore)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });
});
