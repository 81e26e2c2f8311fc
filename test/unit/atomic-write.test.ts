/**
 * A failed atomic write names the path the caller gave, not the temporary file it went
 * through, leaves no temporary file, and leaves a previous file as it was.
 */
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { writeFileAtomically } from '../../lib/formats/atomic-write';
import { Word2Vec } from '../../lib/model/model';
import { savePlot } from '../../lib/plot/save';

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'w2v-atomic-write-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await p;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
  throw new Error('expected a rejection');
}

describe('writeFileAtomically', () => {
  it('a missing directory: the error names the path given, keeps the code, and nothing is left', async () => {
    const path = join(work, 'missing', 'out.bin');
    const err = await rejection(writeFileAtomically(path, [Buffer.from('x')]));
    expect(err.message).toBe(`cannot write ${JSON.stringify(path)}: ENOENT: no such file or directory`);
    expect(err).toMatchObject({ code: 'ENOENT', syscall: 'open', path });
    expect((err.cause as Error).message).toMatch(/\.tmp-\d+-[0-9a-f]{12}'$/);
    expect((await readdir(work)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a directory in the way: the rename fails naming it, and no temporary file is left', async () => {
    const dir = await mkdtemp(join(work, 'taken-'));
    const path = join(dir, 'model.bin');
    await mkdir(path);
    const err = await rejection(writeFileAtomically(path, [Buffer.from('x')]));
    expect(err.message).toBe(`cannot write ${JSON.stringify(path)}: EISDIR: illegal operation on a directory`);
    expect(err).toMatchObject({ code: 'EISDIR', syscall: 'rename', path });
    expect(await readdir(dir)).toEqual(['model.bin']);
  });

  it("the blocks' own error is passed on as it is; a previous file stays whole", async () => {
    const dir = await mkdtemp(join(work, 'previous-'));
    const path = join(dir, 'model.txt');
    await writeFile(path, 'old');
    const failing = (function* () {
      yield Buffer.from('new');
      throw new Error('word 3 "a\\tb" contains a tab');
    })();
    const err = await rejection(writeFileAtomically(path, failing));
    expect(err.message).toBe('word 3 "a\\tb" contains a tab');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['model.txt']);
  });

  // `ahead`: the next block is asked for while this one is written. A producer that fills two
  // buffers in turn (and scribbles over the one it takes back) must still see every block
  // written whole, and one that throws with a write in flight must leave no file behind.
  function* twoBuffers(blocks: number, size: number, failAt = -1): Generator<Uint8Array> {
    const buffers = [new Uint8Array(size), new Uint8Array(size)];
    for (let k = 0; k < blocks; k++) {
      if (k === failAt) throw new Error(`block ${k} failed`);
      const buf = buffers[k % 2]!;
      buf.fill(0xee);  // what a writer still holding this buffer's last block would now see
      for (let i = 0; i < size; i++) buf[i] = (k * 31 + i) & 0xff;
      yield buf;
    }
  }
  const expected = (blocks: number, size: number): Buffer =>
    Buffer.concat(Array.from(twoBuffers(blocks, size), (b) => Buffer.from(b)));

  it('ahead: blocks from two buffers in turn are written whole and in order', async () => {
    const dir = await mkdtemp(join(work, 'ahead-'));
    const path = join(dir, 'blocks.bin');
    await writeFileAtomically(path, twoBuffers(40, 1 << 16), { ahead: true });
    expect((await readFile(path)).equals(expected(40, 1 << 16))).toBe(true);
    expect(await readdir(dir)).toEqual(['blocks.bin']);
  });

  it('ahead: a producer failing while a block is written leaves the previous file and no other', async () => {
    const dir = await mkdtemp(join(work, 'ahead-fail-'));
    const path = join(dir, 'blocks.bin');
    await writeFile(path, 'old');
    const err = await rejection(writeFileAtomically(path, twoBuffers(40, 1 << 16, 7), { ahead: true }));
    expect(err.message).toBe('block 7 failed');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['blocks.bin']);
  });

  it('ahead: a write failing while an async producer waits is thrown, not left unhandled', async () => {
    const dir = await mkdtemp(join(work, 'ahead-write-fails-'));
    const path = join(dir, 'blocks.bin');
    const probe = await open(join(dir, 'probe'), 'w');
    const handleProto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    await rm(join(dir, 'probe'));
    const failure = Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    const spy = vi.spyOn(handleProto, 'write').mockRejectedValueOnce(failure);
    try {
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('first');
        await new Promise((resolve) => setTimeout(resolve, 50));  // the first write fails meanwhile
        yield Buffer.from('second');
      }
      const err = await rejection(writeFileAtomically(path, slow(), { ahead: true }));
      expect(err.code).toBe('EIO');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('model.save and savePlot name the path given', () => {
  const model = new Word2Vec({ keys: ['a', 'b'], dim: 2, vectors: Float32Array.of(1, 0, 0, 1) });

  it.each(['word2vec-binary', 'word2vec-text', 'vec', 'native'] as const)('model.save(path, { format: %s })', async (format) => {
    const path = join(work, 'no-such-dir', 'model.out');
    await expect(model.save(path, { format })).rejects.toMatchObject({
      message: `cannot write ${JSON.stringify(path)}: ENOENT: no such file or directory`, code: 'ENOENT', path,
    });
  });

  it('model.save over a directory leaves it and nothing else', async () => {
    const dir = await mkdtemp(join(work, 'save-'));
    await mkdir(join(dir, 'model.bin'));
    await expect(model.save(join(dir, 'model.bin'))).rejects.toMatchObject({
      message: `cannot write ${JSON.stringify(join(dir, 'model.bin'))}: EISDIR: illegal operation on a directory`, code: 'EISDIR',
    });
    expect(await readdir(dir)).toEqual(['model.bin']);
  });

  it('savePlot', async () => {
    const path = join(work, 'no-such-dir', 'plot.svg');
    await expect(savePlot(path, '<svg/>')).rejects.toMatchObject({
      message: `cannot write ${JSON.stringify(path)}: ENOENT: no such file or directory`, code: 'ENOENT', path,
    });
  });
});
