/**
 * native/index/usearch-patch.mjs, the build step that writes USearch's headers with our patches
 * (binding.gyp and CMakeLists.txt run it): it writes every header, marks index_dense.hpp, patches index.hpp and index_dense.hpp,
 * rewrites nothing on a second run (so a configure does not rebuild the index), and stops,
 * naming the patch, when a passage it replaces is not found exactly once.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

import { ROOT } from '../helpers';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'native/index/usearch-patch.mjs');
const INSTALLED = join(ROOT, 'node_modules/usearch/include');
const work = mkdtempSync(join(tmpdir(), 'w2v-usearch-patch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function patch(out: string, from?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, out, ...(from ? ['--from', from] : [])], { cwd: ROOT, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('native/index/usearch-patch.mjs', () => {
  it('writes every header, the patched ones changed only where the patches say', async () => {
    const out = join(work, 'a');
    const r = await patch(out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(out);
    const names = readdirSync(join(INSTALLED, 'usearch')).filter((f) => f.endsWith('.hpp')).sort();
    expect(readdirSync(join(out, 'usearch')).sort()).toEqual(names);
    for (const name of names) {
      const original = readFileSync(join(INSTALLED, 'usearch', name), 'utf8');
      const written = readFileSync(join(out, 'usearch', name), 'utf8');
      if (name === 'index_dense.hpp') {
        // The level written is the one ann_index_impl.h requires, so the two cannot drift apart.
        const required = /W2V_USEARCH_PATCHED != (\d+)/.exec(readFileSync(join(ROOT, 'native/index/ann_index_impl.h'), 'utf8'));
        expect(required).not.toBeNull();
        expect(written).toContain(`#define W2V_USEARCH_PATCHED ${required![1]}\n`);
        expect(written).toContain('asm volatile("" : : "r"(key))');
        expect(written).toContain('vectors_prefetch_t{this}');
        // Level 4: GCC's and Clang's builtin, not the library's macro (Clang: _mm_prefetch without its header).
        expect(written).toContain('__builtin_prefetch(row + offset, 0, 3);');
        expect(written).toContain('all_nodes_live_()');
        expect(written).not.toBe(original);
      } else if (name === 'index.hpp') {
        // The candidate iterator bounded by the list's length read once (patch level 3).
        expect(written).toContain('std::size_t count = (std::min)(neighbors.size(), index.config_.connectivity_base);');
        expect(written).toContain('while (current_ < size_) {');
        expect(written).not.toBe(original);
      } else {
        expect(written).toBe(original);
      }
    }
  });

  it('rewrites no file on a second run', async () => {
    const out = join(work, 'b');
    expect((await patch(out)).code).toBe(0);
    const file = join(out, 'usearch', 'index_dense.hpp');
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);  // whole seconds: mtimeMs is a float
    utimesSync(file, past, past);
    expect((await patch(out)).code).toBe(0);
    expect(Math.round(statSync(file).mtimeMs)).toBe(past.getTime());
  });

  it('stops, naming the patch, when a passage it replaces is missing or repeated', async () => {
    for (const [label, edit] of [
      ['missing', (text: string) => text.replace('    index_dense_config_t config_;\n    index_t* typed_ = nullptr;\n', '    index_t* typed_ = nullptr;\n')],
      ['repeated', (text: string) => `${text}\n#if 0\n    index_dense_config_t config_;\n    index_t* typed_ = nullptr;\n#endif\n`],
    ] as const) {
      const from = join(work, `from-${label}`);
      cpSync(INSTALLED, from, { recursive: true });
      const header = join(from, 'usearch', 'index_dense.hpp');
      writeFileSync(header, edit(readFileSync(header, 'utf8')));
      const r = await patch(join(work, `out-${label}`), from);
      expect(r.code, label).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`USearch patch "rows prefetch hook": its passage occurs ${label === 'missing' ? 0 : 2} times in index_dense.hpp`));
    }
  });
});
