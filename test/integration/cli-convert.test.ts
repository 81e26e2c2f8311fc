/** `w2v convert` on the original C tool's small model, run in-process through the CLI's main(). */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { MODEL_FORMAT_EXTENSIONS, MODEL_FORMATS } from '../../lib/formats/model-format';
import { detectModelFormat, loadModel } from '../../lib/index';
import { runCliInProcess } from '../helpers';

const fixtures = join(__dirname, '../fixtures/original-c');
const TINY_BIN = join(fixtures, 'tiny.bin');
const work = mkdtempSync(join(tmpdir(), 'w2v-convert-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const w2v = runCliInProcess;

describe('w2v convert', () => {
  it('to each format, guessed from the extension; a .bin of the original comes back byte for byte', async () => {
    const original = await loadModel(TINY_BIN);
    for (const [name, format] of [['m.vec', 'vec'], ['m.w2vn', 'native'], ['m.txt', 'word2vec-text'], ['m.bin', 'word2vec-binary']] as const) {
      const output = join(work, name);
      const r = await w2v('convert', TINY_BIN, output);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`138 words of dimension 8 (word2vec-binary) -> ${output} (${format})\n`);
      expect(await detectModelFormat(output)).toBe(format);
      const back = await loadModel(output);
      expect(back.words).toEqual(original.words);
    }
    expect(readFileSync(join(work, 'm.bin')).equals(readFileSync(TINY_BIN))).toBe(true);
    // and from the converted files onwards
    const again = join(work, 'again.bin');
    expect((await w2v('convert', join(work, 'm.w2vn'), again)).code).toBe(0);
    expect(readFileSync(again).equals(readFileSync(TINY_BIN))).toBe(true);
  });

  it('-format overrides the extension, -input-format skips detection, -limit keeps the first N words', async () => {
    const output = join(work, 'native.data');
    const r = await w2v('convert', TINY_BIN, output, '-format', 'native', '-limit', '5', '-input-format', 'word2vec-binary');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`5 words of dimension 8 (word2vec-binary) -> ${output} (native)\n`);
    const back = await loadModel(output);
    expect(back.words).toEqual((await loadModel(TINY_BIN)).words.slice(0, 5));
  });

  it('projector: -format projector, an existing directory, or a trailing separator', async () => {
    const dirs = [join(work, 'p1'), join(work, 'p2'), join(work, 'p3') + sep];
    mkdirSync(dirs[1]!);
    const runs = [
      await w2v('convert', TINY_BIN, dirs[0]!, '-format', 'projector', '-limit', '10'),
      await w2v('convert', TINY_BIN, dirs[1]!, '-limit', '10'),
      await w2v('convert', TINY_BIN, dirs[2]!, '-limit', '10'),
    ];
    for (const [i, r] of runs.entries()) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const dir = dirs[i]!;
      expect(r.stdout).toBe(`10 words of dimension 8 (word2vec-binary) -> ${join(dir, 'vectors.tsv')}, ${join(dir, 'metadata.tsv')}\n`);
      const metadata = readFileSync(join(dir, 'metadata.tsv'), 'latin1').split('\n');
      expect(metadata.slice(0, 3)).toEqual(['</s>', 'the', 'of']);
      expect(metadata).toHaveLength(11);
      const rows = readFileSync(join(dir, 'vectors.tsv'), 'latin1').trimEnd().split('\n');
      expect(rows).toHaveLength(10);
      expect(rows.every((row) => row.split('\t').length === 8)).toBe(true);
    }
  });

  it('bad command lines: exit code 2 and a message naming the problem', async () => {
    const noExt = await w2v('convert', TINY_BIN, join(work, 'model'));
    expect(noExt.code).toBe(2);
    // The lists are the registry's (formats are added there); they start with the original's.
    const extensions = MODEL_FORMATS.flatMap((f) => MODEL_FORMAT_EXTENSIONS[f] ?? []);
    expect(extensions.slice(0, 4)).toEqual(['.bin', '.txt', '.vec', '.w2vn']);
    expect(noExt.stderr).toBe(
      `w2v convert: cannot tell the output format from ${JSON.stringify(join(work, 'model'))}: ` +
        `name it ${extensions.slice(0, -1).join(', ')} or ${extensions[extensions.length - 1]}, ` +
        `or pass -format ${[...MODEL_FORMATS, 'projector'].join('|')}\n`,
    );
    expect((await w2v('convert', TINY_BIN, join(work, 'x.bin'), '-format', 'xyz')).stderr).toBe(
      `w2v convert: -format must be one of ${[...MODEL_FORMATS, 'projector'].join(', ')}, got "xyz"\n`,
    );
    expect((await w2v('convert', TINY_BIN)).stderr).toBe(`w2v convert: expected INPUT and OUTPUT, got 1 file argument(s): ${JSON.stringify([TINY_BIN])}\n`);
    expect((await w2v('convert', TINY_BIN, join(work, 'x.bin'), '-limit', '0')).stderr).toBe('w2v convert: -limit must be a positive integer, got 0\n');
    expect((await w2v('convert', TINY_BIN, join(work, 'x.bin'), '-limit')).stderr).toBe('w2v convert: flag -limit needs a value\n');
    const missing = await w2v('convert', join(work, 'missing.bin'), join(work, 'x.bin'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing.bin');
    expect((await w2v('convert', '--help')).stdout).toContain('Usage: w2v convert INPUT OUTPUT');
  });
});
