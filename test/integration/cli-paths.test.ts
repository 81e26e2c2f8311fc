/**
 * The CLI refuses bad options and output paths before it prints or reads anything, naming the
 * flag and the path as the user typed them (dist/cjs/cli.js in child processes).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cjs/cli.js');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cjs/cli.js ...args` in `cwd`, asynchronously; `as` runs it as that uid/gid. */
function w2v(args: string[], cwd: string, as?: number): Promise<Run> {
  return new Promise((done, fail) => {
    const ids = as === undefined ? {} : { uid: as, gid: as };
    execFile(process.execPath, [CLI, ...args], { cwd, timeout: 60_000, ...ids }, (err, stdout, stderr) => {
      const status = err ? (err as { code?: unknown }).code : 0;
      if (typeof status !== 'number') return fail(err);
      done({ status, stdout, stderr });
    });
  });
}

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'w2v-cli-paths-'));
  await writeFile(join(work, 'corpus.txt'), 'the cat sat on the mat with the dog\n'.repeat(40));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const SMALL = ['-train', 'corpus.txt', '-min-count', '1', '-size', '4', '-iter', '1', '-threads', '1', '-debug', '0'];

describe.skipIf(!existsSync(CLI))('w2v train checks its options first', () => {
  it('-size 0 is refused before "Starting training" is printed or the corpus read', async () => {
    const r = await w2v(['train', ...SMALL, '-output', 'out.txt', '-size', '0'], work);
    expect(r).toEqual({ status: 2, stdout: '', stderr: 'w2v train: -size must be an integer in [1, 10000], got 0\n' });
    // The corpus is not opened: a missing one is not what is reported.
    const missing = await w2v(['train', '-train', 'no-such.txt', '-output', 'out.txt', '-threads', '0'], work);
    expect(missing).toEqual({ status: 2, stdout: '', stderr: 'w2v train: -threads must be an integer in [1, 1024], got 0\n' });
  });

  it('a bad option is refused before -read-vocab is read', async () => {
    const r = await w2v(['train', ...SMALL, '-read-vocab', 'no-such.vocab', '-output', 'out.txt', '-window', '0'], work);
    expect(r).toEqual({ status: 2, stdout: '', stderr: 'w2v train: -window must be an integer in [1, 1000], got 0\n' });
  });
});
