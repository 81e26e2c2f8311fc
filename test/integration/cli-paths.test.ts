/**
 * The CLI refuses bad options and output paths before it prints or reads anything, naming the
 * flag and the path as the user typed them (dist/cjs/cli.js in child processes).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
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
  await writeFile(join(work, 'model.txt'), '2 2\ncat 1 0\ndog 0 1\n');
  await writeFile(join(work, 'a-file'), 'not a directory');
  await mkdir(join(work, 'a-dir'));
  // Unwritable for whoever runs the CLI: root writes anywhere, so as root the CLI runs as nobody.
  await mkdir(join(work, 'read-only'));
  await writeFile(join(work, 'read-only', 'old.vocab'), 'cat 40\n');
  await chmod(join(work, 'read-only', 'old.vocab'), 0o444);
  await chmod(join(work, 'read-only'), 0o555);
  await mkdir(join(work, 'open'));
  await chmod(join(work, 'open'), 0o777);
  await chmod(work, 0o755);
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

/** Runs a command expected to be refused before any work: exit 2, nothing on stdout, one line on stderr. */
async function refused(args: string[], message: string, as?: number): Promise<void> {
  const r = await w2v(args, work, as);
  expect(r).toEqual({ status: 2, stdout: '', stderr: `${message}\n` });
}

const NOBODY = userInfo().uid === 0 ? 65534 : undefined;
/**
 * Why the CLI cannot run as nobody here, or undefined: a checkout under a directory that is not
 * world-readable (e.g. /root) hides dist/ from nobody. Those checks are then skipped, saying so.
 */
let nobodyCannotRun: string | undefined;
beforeAll(async () => {
  if (NOBODY === undefined) return;
  const r = await w2v(['--help'], work, NOBODY).catch((e: Error) => ({ status: -1, stdout: '', stderr: e.message }));
  if (r.status !== 0) nobodyCannotRun = `root can write anywhere, and the CLI cannot run as nobody from ${ROOT}: ${r.stderr.split('\n')[0]}`;
});

describe.skipIf(!existsSync(CLI))('output paths are checked before the work, named as given', () => {
  it('w2v train -output into a missing directory, through a file, or onto a directory', async () => {
    await refused(['train', ...SMALL, '-output', 'missing/out.bin'], 'w2v train: -output "missing/out.bin": directory "missing" does not exist');
    await refused(['train', ...SMALL, '-output', 'a-file/out.bin'], 'w2v train: -output "a-file/out.bin": "a-file" is not a directory');
    await refused(['train', ...SMALL, '-output', 'a-dir'], 'w2v train: -output "a-dir" is a directory');
    await refused(['train', ...SMALL, '-output', 'a-dir/', '-classes', '2'], 'w2v train: -output "a-dir/" is a directory');
    expect(await readdir(join(work, 'a-dir'))).toEqual([]);
  });

  it('w2v train -output, -save-vocab into a directory that is not writable', async (ctx) => {
    if (nobodyCannotRun) ctx.skip(nobodyCannotRun);
    await refused(['train', ...SMALL, '-output', 'read-only/out.bin'], 'w2v train: -output "read-only/out.bin": directory "read-only" is not writable', NOBODY);
    await refused(
      ['train', ...SMALL, '-output', 'open/a.bin', '-save-vocab', 'read-only/new.vocab'],
      'w2v train: -save-vocab "read-only/new.vocab": directory "read-only" is not writable',
      NOBODY,
    );
    // Written in place: an existing file must be writable itself.
    await refused(['train', ...SMALL, '-save-vocab', 'read-only/old.vocab'], 'w2v train: -save-vocab "read-only/old.vocab" is not writable', NOBODY);
  });

  it('w2v train -save-vocab, -plot, -report', async () => {
    await refused(['train', ...SMALL, '-save-vocab', 'missing/v.txt'], 'w2v train: -save-vocab "missing/v.txt": directory "missing" does not exist');
    await refused(['train', ...SMALL, '-output', 'a.bin', '-plot', 'missing/loss.svg'], 'w2v train: -plot "missing/loss.svg": directory "missing" does not exist');
    await refused(['train', ...SMALL, '-output', 'a.bin', '-report', 'a-file/r.json'], 'w2v train: -report "a-file/r.json": "a-file" is not a directory');
  });

  it('w2v phrases, convert and plot', async () => {
    await refused(['phrases', '-train', 'corpus.txt', '-output', 'missing/p.txt'], 'w2v phrases: -output "missing/p.txt": directory "missing" does not exist');
    await refused(['convert', 'model.txt', 'missing/model.bin'], 'w2v convert: OUTPUT "missing/model.bin": directory "missing" does not exist');
    await refused(['convert', 'model.txt', 'a-dir', '-format', 'vec'], 'w2v convert: OUTPUT "a-dir" is a directory');
    // A Projector directory is made with its parents; a file on the way stops it.
    await refused(['convert', 'model.txt', 'a-file/projector/'], 'w2v convert: OUTPUT "a-file/projector/": "a-file" is not a directory');
    await refused(['convert', 'model.txt', 'a-file', '-format', 'projector'], 'w2v convert: OUTPUT "a-file" is not a directory');
    await refused(['plot', 'model.txt', '-output', 'missing/words.svg'], 'w2v plot: -output "missing/words.svg": directory "missing" does not exist');
    // Checked before the model is read: a missing model is not what is reported.
    await refused(['plot', 'no-such-model.bin', '-output', 'missing/words.svg'], 'w2v plot: -output "missing/words.svg": directory "missing" does not exist');
  });

  it('writable paths pass: every file is written, a Projector directory made with its parents', async () => {
    const out = await mkdtemp(join(work, 'out-'));
    const r = await w2v(
      ['train', ...SMALL, '-output', join(out, 'v.bin'), '-save-vocab', join(out, 'v.vocab'), '-plot', join(out, 'loss.svg'), '-report', join(out, 'r.json')],
      work,
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['loss.svg', 'r.json', 'v.bin', 'v.vocab']);
    const c = await w2v(['convert', join(out, 'v.bin'), join(out, 'deep', 'projector') + '/'], work);
    expect(c.stderr).toBe('');
    expect((await readdir(join(out, 'deep', 'projector'))).sort()).toEqual(['metadata.tsv', 'vectors.tsv']);
  });
});
