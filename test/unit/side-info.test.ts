/**
 * Side information for EGES (issue 17): the file and the function read into attribute ids,
 * and the bad input named (unknown nodes, nodes given twice, bad results, limits).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { readSideInfo } from '../../lib/graph/side-info';
import { rejection } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-side-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMITS = { maxSlots: 4, maxValues: 100 };
// Graph nodes a, b, c, d; d has no vector (left out of the vocabulary); vocabulary order c, a, b.
const NODES = ['a', 'b', 'c', 'd'];
const VOCAB_OF = Int32Array.from([1, 2, 0, -1]);

function file(name: string, text: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

describe('readSideInfo', () => {
  it('reads a file: kinds by column, empty fields absent, comments skipped, ids per (kind, value)', async () => {
    const path = file('side.tsv', '# node\tcategory\tbrand\na\tshoes\tacme\nb\tshoes\t\r\nc\tacme\n\nd\thats\tzed\n');
    const t = await readSideInfo(path, NODES, VOCAB_OF, LIMITS);
    expect(t.slots).toBe(2);
    // "acme" as a category (c) and as a brand (a) are two attributes.
    expect(t.values).toEqual([{ kind: 0, value: 'shoes' }, { kind: 1, value: 'acme' }, { kind: 0, value: 'acme' }]);
    // Vocabulary ids: c = 0, a = 1, b = 2; d's line is read and left out.
    expect(Array.from(t.attributeOf)).toEqual([2, -1, 0, 1, 0, -1]);
  });

  it('reads gzip the same', async () => {
    const text = 'a\tx\nb\ty\n';
    const plain = await readSideInfo(file('p.tsv', text), NODES, VOCAB_OF, LIMITS);
    const gz = await readSideInfo(file('g.tsv.gz', gzipSync(text)), NODES, VOCAB_OF, LIMITS);
    expect(Array.from(gz.attributeOf)).toEqual(Array.from(plain.attributeOf));
    expect(gz.values).toEqual(plain.values);
  });

  it('takes a function of the node; numbers and strings are values, null and undefined absent', async () => {
    const t = await readSideInfo((node) => (node === 'a' ? [1, null, 'x'] : node === 'b' ? undefined : ['1']), NODES, VOCAB_OF, LIMITS);
    expect(t.slots).toBe(3);
    // 1 and '1' of the same kind are one value (a vocabulary is text).
    expect(t.values).toEqual([{ kind: 0, value: '1' }, { kind: 2, value: 'x' }]);
    expect(Array.from(t.attributeOf)).toEqual([0, -1, -1, 0, -1, 1, -1, -1, -1]);
  });

  it('names an unknown node, a node given twice, and a missing file, by file and line', async () => {
    const unknown = file('unknown.tsv', 'a\tx\nzz\ty\n');
    expect((await rejection(readSideInfo(unknown, NODES, VOCAB_OF, LIMITS))).message).toBe(
      `side information ${JSON.stringify(unknown)}, line 2 ("zz\\ty"): node "zz" is not in the graph`,
    );
    const twice = file('twice.tsv', 'a\tx\nb\tx\na\ty\n');
    expect((await rejection(readSideInfo(twice, NODES, VOCAB_OF, LIMITS))).message).toMatch(/line 3 .*node "a" is given twice$/);
    expect((await rejection(readSideInfo(join(work, 'none.tsv'), NODES, VOCAB_OF, LIMITS))).message).toMatch(/^cannot read side information/);
  });

  it('names bad function results and the limits', async () => {
    expect((await rejection(readSideInfo(() => 'x' as never, NODES, VOCAB_OF, LIMITS))).message).toBe('sideInfo("a") must return an array of attributes or undefined, got "x"');
    expect((await rejection(readSideInfo(() => [{}] as never, NODES, VOCAB_OF, LIMITS))).message).toMatch(/^sideInfo\("a"\): attribute 0 must be a string, a finite number, null or undefined, got/);
    expect((await rejection(readSideInfo(() => [NaN], NODES, VOCAB_OF, LIMITS))).message).toMatch(/attribute 0 must be .* got NaN/);
    expect((await rejection(readSideInfo(() => [1, 2, 3, 4, 5], NODES, VOCAB_OF, LIMITS))).message).toBe('sideInfo("a"): at most 4 attribute kinds, got 5');
    let n = 0;
    expect((await rejection(readSideInfo(() => [n++, n++, n++, n++], NODES, VOCAB_OF, { maxSlots: 4, maxValues: 10 }))).message).toMatch(/more than 10 distinct attribute values$/);
    expect((await rejection(readSideInfo(42 as never, NODES, VOCAB_OF, LIMITS))).message).toBe('sideInfo must be a path or a function, got 42');
  });
});
