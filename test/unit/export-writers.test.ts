/**
 * The pieces the exports are written with: the protobuf encoder (ONNX), tfjs's model.json and
 * shard names, and the atomic writes of several files and of a whole directory (what a failed
 * export leaves: nothing under the target names).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { writeDirectoryAtomically, writeFilesAtomically } from '../../lib/formats/atomic-write';
import { littleEndianBlocks } from '../../lib/formats/little-endian';
import { ProtoMessage, varint } from '../../lib/formats/protobuf-writer';
import { TFJS_SHARD_BYTES, tfjsModelJson, tfjsShardNames } from '../../lib/formats/tfjs';
import { rejection } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-export-writers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));


const leftovers = (dir: string): string[] => readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('.old-'));

describe('protobuf encoder', () => {
  it.each([
    [0, [0x00]],
    [1, [0x01]],
    [127, [0x7f]],
    [128, [0x80, 0x01]],
    [300, [0xac, 0x02]],
    [2 ** 31, [0x80, 0x80, 0x80, 0x80, 0x08]],
    [2 ** 53 - 1, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
  ])('varint(%d)', (value, want) => {
    expect([...varint(value)]).toEqual(want);
  });

  it('refuses what it cannot encode exactly', () => {
    expect(() => varint(-1)).toThrow(new RangeError('protobuf varint must be a safe integer >= 0, got -1'));
    expect(() => varint(2 ** 53)).toThrow(RangeError);
    expect(() => varint(1.5)).toThrow(RangeError);
  });

  it('nested messages carry their lengths; a large bytes field is handed out by reference, not copied', () => {
    // The protobuf documentation's example: message Test1 { int32 a = 1; } with a = 150.
    expect(Buffer.concat([...new ProtoMessage().uint(1, 150).blocks()]).toString('hex')).toBe('089601');
    // Test2 { string b = 2; } with "testing"; Test3 { Test1 c = 3; }.
    expect(Buffer.concat([...new ProtoMessage().string(2, 'testing').blocks()]).toString('hex')).toBe('120774657374696e67');
    expect(Buffer.concat([...new ProtoMessage().message(3, new ProtoMessage().uint(1, 150)).blocks()]).toString('hex')).toBe('1a03089601');
    const big = new Uint8Array(100_000).fill(7);
    const inner = new ProtoMessage().string(8, 'embedding').bytesField(9, [big.subarray(0, 70_000), big.subarray(70_000)]);
    const outer = new ProtoMessage().uint(1, 8).message(7, inner);
    const blocks = [...outer.blocks()];
    expect(blocks.some((b) => b === big.subarray(0, 70_000) || (b.buffer === big.buffer && b.length === 70_000))).toBe(true);
    const all = Buffer.concat(blocks);
    expect(all.length).toBe(outer.length);
    // 08 08 | 3a <len(inner)> | 42 09 "embedding" | 4a <varint 100000> ...
    expect(all.subarray(0, 2).toString('hex')).toBe('0808');
    expect(all[2]).toBe(0x3a);
    const innerLength = inner.length;
    expect(all.subarray(3, 3 + varint(innerLength).length)).toEqual(Buffer.from(varint(innerLength)));
    expect(inner.length).toBe(2 + 9 + 1 + varint(100_000).length + 100_000);
  });
});

describe('littleEndianBlocks', () => {
  it('views of the array in blocks of the size asked, the last shorter', () => {
    const v = Float32Array.from({ length: 10 }, (_, i) => i + 0.5);
    const blocks = [...littleEndianBlocks(v, 16)];
    expect(blocks.map((b) => b.length)).toEqual([16, 16, 8]);
    expect(Buffer.concat(blocks).equals(Buffer.from(v.buffer))).toBe(true);
    expect([...littleEndianBlocks(new Float32Array(0))]).toEqual([]);
  });
});

describe('tfjs model.json', () => {
  it('shards of at most 4 MiB, named as TensorFlow.js names them', () => {
    expect(tfjsShardNames(0)).toEqual(['group1-shard1of1.bin']);
    expect(tfjsShardNames(TFJS_SHARD_BYTES)).toEqual(['group1-shard1of1.bin']);
    expect(tfjsShardNames(TFJS_SHARD_BYTES + 4)).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin']);
    expect(tfjsShardNames(10 * TFJS_SHARD_BYTES)).toHaveLength(10);
  });

  it('one Embedding layer of input_dim words and output_dim dim, trainable as asked, its weight in the manifest', () => {
    const json = tfjsModelJson(1000, 50, true) as {
      format: string;
      modelTopology: { class_name: string; config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
      weightsManifest: unknown;
    };
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.modelTopology.config.layers).toHaveLength(1);
    expect(json.modelTopology.config.layers[0]!.class_name).toBe('Embedding');
    expect(json.modelTopology.config.layers[0]!.config).toMatchObject({ input_dim: 1000, output_dim: 50, trainable: true, batch_input_shape: [null, null], dtype: 'float32' });
    expect(json.weightsManifest).toEqual([
      { paths: ['group1-shard1of1.bin'], weights: [{ name: 'embedding/embeddings', shape: [1000, 50], dtype: 'float32' }] },
    ]);
    expect((tfjsModelJson(1, 1, false) as typeof json).modelTopology.config.layers[0]!.config['trainable']).toBe(false);
  });
});

describe('writeFilesAtomically', () => {
  it('writes all, or (one failing) leaves every target as it was and no temporary file', async () => {
    const dir = join(work, 'files');
    mkdirSync(dir);
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await writeFilesAtomically([
      { path: a, blocks: [Buffer.from('A1')] },
      { path: b, blocks: [Buffer.from('B1')] },
    ]);
    function* failing(): Generator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('the producer failed');
    }
    const err = await rejection(
      writeFilesAtomically([
        { path: a, blocks: [Buffer.from('A2')] },
        { path: b, blocks: failing() },
      ]),
    );
    expect(err.message).toBe('the producer failed');
    expect(readFileSync(a, 'latin1')).toBe('A1');
    expect(readFileSync(b, 'latin1')).toBe('B1');
    // A directory in the way of the second: found before the first is renamed.
    rmSync(b);
    mkdirSync(b);
    const blocked = await rejection(
      writeFilesAtomically([
        { path: a, blocks: [Buffer.from('A3')] },
        { path: b, blocks: [Buffer.from('B3')] },
      ]),
    );
    expect(blocked.message).toBe(`cannot write ${JSON.stringify(b)}: EISDIR: illegal operation on a directory`);
    expect(blocked).toMatchObject({ code: 'EISDIR', syscall: 'rename', path: b });
    expect(readFileSync(a, 'latin1')).toBe('A1');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('writeDirectoryAtomically', () => {
  const files = (tag: string) => [
    { name: 'model.json', blocks: [Buffer.from(`{"tag":"${tag}"}`)] },
    { name: 'data.bin', blocks: [Buffer.from(tag)] },
  ];

  it('a new directory; an earlier export (or an empty directory) replaced whole', async () => {
    const target = join(work, 'export');
    await writeDirectoryAtomically(target, files('one'), 'model.json');
    expect(readdirSync(target).sort()).toEqual(['data.bin', 'model.json']);
    writeFileSync(join(target, 'stale.bin'), 'old shard');
    await writeDirectoryAtomically(target, files('two'), 'model.json');
    expect(readdirSync(target).sort()).toEqual(['data.bin', 'model.json']);
    expect(readFileSync(join(target, 'data.bin'), 'latin1')).toBe('two');
    const empty = join(work, 'empty');
    mkdirSync(empty);
    await writeDirectoryAtomically(empty, files('three'), 'model.json');
    expect(readFileSync(join(empty, 'data.bin'), 'latin1')).toBe('three');
    expect(leftovers(work)).toEqual([]);
  });

  it('a failure leaves the target as it was and no temporary directory', async () => {
    const target = join(work, 'kept');
    await writeDirectoryAtomically(target, files('before'), 'model.json');
    function* failing(): Generator<Uint8Array> {
      yield Buffer.from('half');
      throw new Error('the producer failed');
    }
    const err = await rejection(writeDirectoryAtomically(target, [...files('after'), { name: 'x.bin', blocks: failing() }], 'model.json'));
    expect(err.message).toBe('the producer failed');
    expect(readFileSync(join(target, 'data.bin'), 'latin1')).toBe('before');
    const fresh = join(work, 'never');
    await rejection(writeDirectoryAtomically(fresh, [{ name: 'x.bin', blocks: failing() }], 'model.json'));
    expect(existsSync(fresh)).toBe(false);
    expect(leftovers(work)).toEqual([]);
  });

  it('refuses a file in the way, a directory that is no export, a parent that is missing or a file', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'mine');
    expect((await rejection(writeDirectoryAtomically(file, files('x'), 'model.json'))).message).toBe(
      `cannot write ${JSON.stringify(file)}: a file is in the way (this export is a directory)`,
    );
    const mine = join(work, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep');
    expect((await rejection(writeDirectoryAtomically(mine, files('x'), 'model.json'))).message).toBe(
      `cannot write ${JSON.stringify(mine)}: the directory holds files but no model.json, so it is no previous export to replace`,
    );
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    const missing = join(work, 'no-such-dir', 'out');
    expect(await rejection(writeDirectoryAtomically(missing, files('x'), 'model.json'))).toMatchObject({
      message: `cannot write ${JSON.stringify(missing)}: ENOENT: no such file or directory`,
      code: 'ENOENT',
    });
    const under = join(file, 'out');
    expect(await rejection(writeDirectoryAtomically(under, files('x'), 'model.json'))).toMatchObject({
      message: `cannot write ${JSON.stringify(under)}: ENOTDIR: not a directory`,
      code: 'ENOTDIR',
    });
    expect(readFileSync(file, 'latin1')).toBe('mine');
    expect(leftovers(work)).toEqual([]);
  });
});
