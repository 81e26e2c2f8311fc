/** savePlot writes the whole picture or nothing. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { savePlot } from '../../lib/plot/save';

const dir = mkdtempSync(join(tmpdir(), 'w2v-save-plot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('savePlot', () => {
  it('writes UTF-8 text, replacing a previous file', async () => {
    const path = join(dir, 'a.svg');
    writeFileSync(path, 'old');
    await savePlot(path, '<svg>日本</svg>');
    expect(readFileSync(path, 'utf8')).toBe('<svg>日本</svg>');
    expect(readdirSync(dir)).toEqual(['a.svg']);
  });

  it('leaves no temporary file when the write fails', async () => {
    const sub = join(dir, 'sub');
    mkdirSync(join(sub, 'taken.svg'), { recursive: true });
    await expect(savePlot(join(sub, 'taken.svg'), '<svg/>')).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(['taken.svg']);
    await expect(savePlot(join(dir, 'missing', 'x.svg'), '<svg/>')).rejects.toThrow(/ENOENT/);
    await expect(savePlot('', 'x')).rejects.toThrow('path must be a non-empty string, got ""');
  });
});
