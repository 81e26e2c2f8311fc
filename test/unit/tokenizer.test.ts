import { describe, expect, it } from 'vitest';
import { Tokenizer, type TokenSink } from '../../lib/corpus/tokenizer';

/** Collects sentences (arrays of latin1 keys) the tokenizer emits. */
function collect(): { sink: TokenSink; sentences: string[][]; tokens: string[] } {
  const sentences: string[][] = [];
  const tokens: string[] = [];
  let current: string[] = [];
  const sink: TokenSink = {
    token(key) {
      tokens.push(key);
      current.push(key);
    },
    endSentence() {
      sentences.push(current);
      current = [];
    },
  };
  return { sink, sentences, tokens };
}

/** Tokenizes the buffers in order (then end()) and returns the sentences. */
function run(...bufs: (Buffer | string)[]): string[][] {
  const c = collect();
  const t = new Tokenizer(c.sink);
  for (const b of bufs) t.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
  t.end();
  return c.sentences;
}

describe('Tokenizer', () => {
  it('splits on space, tab, \\r, \\v and \\f; runs of separators give no empty tokens', () => {
    expect(run('a b\tc\rd\ve\ff  g \t\r\v\fh\n')).toEqual([['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']]);
  });

  it('leading and trailing separators on a line give no empty tokens', () => {
    expect(run('   a  b   \n\t c \t\n')).toEqual([['a', 'b'], ['c']]);
  });

  it('\\n ends a sentence', () => {
    expect(run('a b\nc\nd e f\n')).toEqual([['a', 'b'], ['c'], ['d', 'e', 'f']]);
  });

  it('empty and blank lines give no sentence', () => {
    expect(run('\n\na\n\n \t \n\nb c\n\n\n')).toEqual([['a'], ['b', 'c']]);
    expect(run('')).toEqual([]);
    expect(run('\n\n\n')).toEqual([]);
    expect(run(' \t\r\n')).toEqual([]);
  });

  it('a last token (and sentence) without a newline counts', () => {
    expect(run('a b\nc d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(run('x')).toEqual([['x']]);
  });

  it('CRLF line ends: \\r is a separator, \\n ends the sentence', () => {
    expect(run('a b\r\nc\r\n\r\nd e\r\n')).toEqual([['a', 'b'], ['c'], ['d', 'e']]);
  });

  it('joins a token split across two buffers, at every split point', () => {
    const text = 'alpha beta\n gamma\t\tdelta\r\nepsilon\n\nzeta eta';
    const expected = [['alpha', 'beta'], ['gamma', 'delta'], ['epsilon'], ['zeta', 'eta']];
    const whole = Buffer.from(text, 'latin1');
    expect(run(whole)).toEqual(expected);
    for (let i = 0; i <= whole.length; i++) {
      expect(run(whole.subarray(0, i), whole.subarray(i)), `split at ${i}`).toEqual(expected);
    }
  });

  it('joins a token split across three buffers, at every pair of split points', () => {
    const text = 'ab cde\nfgh ij';
    const expected = [['ab', 'cde'], ['fgh', 'ij']];
    const whole = Buffer.from(text, 'latin1');
    for (let i = 0; i <= whole.length; i++) {
      for (let j = i; j <= whole.length; j++) {
        expect(run(whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)), `split at ${i}, ${j}`).toEqual(expected);
      }
    }
  });

  it('one byte per buffer gives the same tokens', () => {
    const whole = Buffer.from('one two\nthree  four\r\nfive', 'latin1');
    const bufs = Array.from(whole, (b) => Buffer.from([b]));
    expect(run(...bufs)).toEqual([['one', 'two'], ['three', 'four'], ['five']]);
  });

  it('empty buffers in between change nothing', () => {
    expect(run('ab', '', 'cd', Buffer.alloc(0), ' e\n')).toEqual([['abcd', 'e']]);
  });

  it('a split buffer does not keep a view on the caller\'s buffer', () => {
    const c = collect();
    const t = new Tokenizer(c.sink);
    const buf = Buffer.from('a bc', 'latin1');
    t.push(buf);
    buf.fill(0x7a); // the caller reuses its buffer
    t.push(Buffer.from('d\n', 'latin1'));
    t.end();
    expect(c.sentences).toEqual([['a', 'bcd']]);
  });

  it('invalid UTF-8 passes through as latin1 keys; NUL separates tokens', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x20, 0x61, 0x00, 0x62, 0x20, 0xc3, 0x0a, 0x80, 0xc0, 0xaf, 0x00, 0x00, 0x0a]);
    const c = collect();
    const t = new Tokenizer(c.sink);
    expect(() => {
      t.push(bytes);
      t.end();
    }).not.toThrow();
    // A word with a NUL could not be saved in any model format (nor read by the original's
    // C strings): NUL splits, as white space does.
    expect(c.sentences).toEqual([['\xff\xfe', 'a', 'b', '\xc3'], ['\x80\xc0\xaf']]);
    // Keys are the bytes, one char per byte.
    expect(Buffer.from(c.tokens[0]!, 'latin1')).toEqual(Buffer.from([0xff, 0xfe]));
  });

  it('valid UTF-8 words become their bytes as latin1 keys, also when split inside a character', () => {
    const word = 'naïve—日本';
    const bytes = Buffer.from(`${word} x\n`, 'utf8');
    const key = Buffer.from(word, 'utf8').toString('latin1');
    for (let i = 0; i <= bytes.length; i++) {
      expect(run(bytes.subarray(0, i), bytes.subarray(i))).toEqual([[key, 'x']]);
    }
  });

  it('a 10 kB token, whole and split into 1000-byte buffers', () => {
    const big = 'q'.repeat(10 * 1024);
    expect(run(`a ${big} b\n`)).toEqual([['a', big, 'b']]);
    const whole = Buffer.from(`${big}\n${big}`, 'latin1');
    const parts: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 1000) parts.push(whole.subarray(i, i + 1000));
    expect(run(...parts)).toEqual([[big], [big]]);
  });

  it('end() can be called twice and the tokenizer can be reused after it', () => {
    const c = collect();
    const t = new Tokenizer(c.sink);
    t.push(Buffer.from('a b'));
    t.end();
    t.end();
    t.push(Buffer.from('c\n'));
    t.end();
    expect(c.sentences).toEqual([['a', 'b'], ['c']]);
  });
});
