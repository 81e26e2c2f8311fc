import { describe, expect, it } from 'vitest';
import { ByteKeyTable, fnvHash } from '../../lib/byte-key-table';
import { Tokenizer, type TokenSink } from '../../lib/tokenizer';
import { TokenCounter } from '../../lib/vocabulary';
import { rng } from '../helpers';

describe('ByteKeyTable', () => {
  it('gives dense ids in first-seen order and finds keys by their bytes, across rehashes', () => {
    const t = new ByteKeyTable();
    const r = rng(1);
    const words: Buffer[] = [];
    for (let i = 0; i < 100000; i++) {
      const len = 1 + Math.floor(r() * 12);
      words.push(Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256))));
    }
    const expected = new Map<string, number>();
    for (const w of words) {
      const key = w.toString('latin1');
      if (!expected.has(key)) expected.set(key, expected.size);
      expect(t.intern(w, 0, w.length, fnvHash(w, 0, w.length))).toBe(expected.get(key));
    }
    expect(t.size).toBe(expected.size);
    expect(t.keys).toEqual([...expected.keys()]);
    const absent = Buffer.from('not-a-word-here-0123456789');
    expect(t.find(absent, 0, absent.length, fnvHash(absent, 0, absent.length))).toBe(-1);
  });

  it('tells apart keys whose hashes collide', () => {
    const t = new ByteKeyTable();
    const a = Buffer.from('abc');
    const b = Buffer.from('abd');
    const c = Buffer.from('ab');
    // The same (forged) hash for all three: only the bytes can tell them apart.
    expect(t.intern(a, 0, 3, 42)).toBe(0);
    expect(t.intern(b, 0, 3, 42)).toBe(1);
    expect(t.intern(c, 0, 2, 42)).toBe(2);
    expect(t.find(b, 0, 3, 42)).toBe(1);
    expect(t.find(Buffer.from('abe'), 0, 3, 42)).toBe(-1);
    expect(t.keys).toEqual(['abc', 'abd', 'ab']);
  });
});

describe('Tokenizer byte path', () => {
  it('counts exactly what the string path counts, whatever the buffer boundaries', () => {
    const r = rng(2);
    const alphabet = ['a', 'b', 'ab', 'ba', 'é', '\u00ff', '\x00', 'longer-token', 'x'.repeat(300)];
    const seps = [' ', ' ', ' ', '\n', '\t', '\r\n', '  ', '\v', '\f'];
    let text = '';
    for (let i = 0; i < 20000; i++) text += alphabet[Math.floor(r() * alphabet.length)]! + seps[Math.floor(r() * seps.length)]!;
    const bytes = Buffer.from(text, 'utf8');
    const run = (useBytes: boolean): { counter: TokenCounter; events: string[] } => {
      const counter = new TokenCounter();
      const events: string[] = [];
      const sink: TokenSink = {
        token: (k) => events.push(`t${counter.add(k)}`),
        ...(useBytes ? { tokenBytes: (buf: Uint8Array, s: number, e: number, h: number) => events.push(`t${counter.addBytes(buf, s, e, h)}`) } : {}),
        endSentence: () => events.push('s'),
        endLine: () => events.push('l'),
      };
      const tok = new Tokenizer(sink);
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(r() * 700);
        tok.push(bytes.subarray(at, at + n));
        at += n;
      }
      tok.end();
      return { counter, events };
    };
    const strings = run(false);
    const byBytes = run(true);
    expect(byBytes.events).toEqual(strings.events);
    expect(byBytes.counter.keys).toEqual(strings.counter.keys);
    expect(Array.from(byBytes.counter.counts)).toEqual(Array.from(strings.counter.counts));
    // NUL, space, \t, \n, \v, \f and \r separate tokens.
    expect(byBytes.counter.tokens).toBe(text.split(/[\0\t\n\v\f\r ]+/).filter((t) => t.length > 0).length);
  });
});
