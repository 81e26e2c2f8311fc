/**
 * Saving is atomic: a temporary file in the same directory, fsynced, renamed over the target,
 * then the directory fsynced. A process killed (SIGKILL) at any moment of a save leaves the
 * target whole, old or new, and at most its own temporary file beside it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { detectModelFormat, loadModel, Word2Vec } from '../../lib/index';
import { writeFileAtomically } from '../../lib/formats/atomic-write';
import { rng } from '../helpers';
import { IS_LINUX, libraryBundle, ROOT } from './reliability-helpers';

const work = mkdtempSync(join(tmpdir(), 'w2v-reliability-save-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the order of a save: write, fsync the file, rename, fsync the directory', () => {
  it.skipIf(!IS_LINUX)('fsync reaches the temporary file before the rename and the directory after it', async () => {
    const dir = join(work, 'order');
    mkdirSync(dir);
    const target = join(dir, 'model.bin');
    writeFileSync(target, 'old');
    // FileHandle.sync is shared by every handle: record which file each call was for.
    const probe = await open(target, 'r');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const synced: { path: string; targetIsNew: boolean }[] = [];
    const spy = vi.spyOn(proto, 'sync').mockImplementation(async function (this: FileHandle) {
      synced.push({ path: readlinkSync(`/proc/self/fd/${this.fd}`), targetIsNew: readFileSync(target, 'latin1') === 'new contents' });
    });
    try {
      await writeFileAtomically(target, [Buffer.from('new '), Buffer.from('contents')]);
    } finally {
      spy.mockRestore();
    }
    expect(synced).toHaveLength(2);
    expect(basename(synced[0]!.path)).toMatch(/^model\.bin\.tmp-\d+-[0-9a-f]{12}$/);
    expect(synced[0]!.targetIsNew).toBe(false);
    expect(synced[1]).toEqual({ path: dir, targetIsNew: true });
    expect(readdirSync(dir)).toEqual(['model.bin']);
  });
});

/** The child: saves model A once, says "ready", then saves B, A, B, ... until killed. */
const SAVER = `
const { Word2Vec } = require(process.env.W2V_LIB);
const [target, format] = process.argv.slice(2);
function model(seed) {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const n = 50000, dim = 100;
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = r() - 0.5;
  return new Word2Vec({ words: Array.from({ length: n }, (_, i) => (seed === 1 ? 'a' : 'b') + i), dim, vectors });
}
const models = [model(1), model(2)];
(async () => {
  await models[0].save(target, { format });
  process.stdout.write('ready\\n');
  for (let i = 1; ; i++) await models[i % 2].save(target, { format });
})();
`;

/** The two models the child alternates between, made the same way. */
function childModel(seed: number): { keys: string[]; vectors: Float32Array } {
  let s = seed;
  const r = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const n = 50000;
  const vectors = new Float32Array(n * 100);
  for (let i = 0; i < vectors.length; i++) vectors[i] = r() - 0.5;
  return { keys: Array.from({ length: n }, (_, i) => (seed === 1 ? 'a' : 'b') + i), vectors };
}

describe('SIGKILL in the middle of saves', () => {
  it('20 kills at random moments: the target always loads as one of the two models exactly; only the killed save\'s temp file is left', async () => {
    const lib = libraryBundle();
    const script = join(work, 'saver.cjs');
    writeFileSync(script, SAVER);
    const expected = [childModel(1), childModel(2)];
    const bytes = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const r = rng(77);
    const held = [0, 0];
    let leftovers = 0;
    for (let kill = 0; kill < 20; kill++) {
      const format = kill % 2 === 0 ? 'word2vec-binary' : 'native';
      const dir = join(work, `kill-${kill}`);
      mkdirSync(dir);
      const target = join(dir, 'model');
      const child = spawn(process.execPath, [script, target, format], { env: { ...process.env, W2V_LIB: lib }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', () => reject(new Error(`the saver exited before it was ready: ${stderr}`)));
      });
      // 0 to 600 ms: several saves of about 100 ms each, so kills land in every phase.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(r() * 600)));
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const names = readdirSync(dir).sort();
      expect(names[0]).toBe('model');
      const temps = names.slice(1);
      expect(temps.length, `kill ${kill}: ${names.join(', ')}`).toBeLessThanOrEqual(1);
      for (const t of temps) expect(t).toMatch(new RegExp(`^model\\.tmp-${child.pid}-[0-9a-f]{12}$`));
      leftovers += temps.length;

      expect(await detectModelFormat(target)).toBe(format);
      const m = await loadModel(target);
      const which = m.keys[0] === 'a0' ? 0 : 1;
      held[which]!++;
      expect(m.keys).toEqual(expected[which]!.keys);
      expect(bytes(m.vectors).equals(bytes(expected[which]!.vectors))).toBe(true);
      m.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`20 kills: the target held model A ${held[0]} times, model B ${held[1]} times, whole each time; ${leftovers} kills left their temp file`);
    // The kills landed mid-save (temp files left) and after saves of both models.
    expect(held[0]).toBeGreaterThan(0);
    expect(held[1]).toBeGreaterThan(0);
    expect(leftovers).toBeGreaterThan(0);
  }, 240_000);

  it('a temporary file left beside a model changes nothing for loading it', async () => {
    const dir = join(work, 'leftover');
    mkdirSync(dir);
    const target = join(dir, 'model.bin');
    const m = new Word2Vec({ words: ['a', 'b'], dim: 2, vectors: Float32Array.of(1, 0, 0, 1) });
    await m.save(target);
    writeFileSync(`${target}.tmp-123-0123456789ab`, Buffer.from('2 2\na '));
    expect((await loadModel(target)).words).toEqual(['a', 'b']);
  });
});
