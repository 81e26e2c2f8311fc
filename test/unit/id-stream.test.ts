import { describe, expect, it } from 'vitest';

import { IdStream } from '../../lib/train';

describe('IdStream', () => {
  it('keeps every id without a limit, growing past its first buffer', () => {
    const s = new IdStream();
    for (let i = 0; i < 200_000; i++) s.push(i % 7 === 6 ? -1 : i);
    expect(s.length).toBe(200_000);
    expect(s.overflowed).toBe(false);
    expect(s.data[199_999]).toBe(199_999);
    expect(s.data[6]).toBe(-1);
  });

  it('drops its ids once more than the limit were pushed (a GPU run then re-reads the corpus)', () => {
    const s = new IdStream(1 << 16);
    for (let i = 0; i < 1 << 16; i++) s.push(i);
    expect(s.overflowed).toBe(false);
    expect(s.length).toBe(1 << 16);
    s.push(1);
    expect(s.overflowed).toBe(true);
    expect(s.length).toBe(0);
    expect(s.data.length).toBe(0);
    for (let i = 0; i < 1000; i++) s.push(i);
    expect(s.length).toBe(0);
  });
});
