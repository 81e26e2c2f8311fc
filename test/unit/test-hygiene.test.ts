/**
 * Rules the test suites keep, checked over their sources:
 * - No synchronous child process (spawnSync, execSync, execFileSync) in a test file: it holds
 *   the vitest worker's event loop for the child's whole run; past 60 s (several such tests in a
 *   row count together) vitest's RPC times out and the files still queued never run. Use
 *   runProcess (test/helpers.ts).
 * - No absolute path of one machine: shared data is found from the repository root
 *   (sharedData in test/helpers.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

import { ROOT } from '../helpers';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|cjs|mjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

const files = sources(join(ROOT, 'test')).filter((f) => f !== __filename);

describe('test sources', () => {
  it('are found (this check is not vacuous)', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files.some((f) => f.endsWith('cli.test.ts'))).toBe(true);
  });

  it('start no synchronous child process', () => {
    const offenders = files.filter((f) => /\b(spawnSync|execSync|execFileSync)\s*\(/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('name no absolute path of one machine', () => {
    const offenders = files.filter((f) => /['"`]\/(work|home|root|tmp\/w2v)\//.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
