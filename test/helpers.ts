/** Helpers shared by the vitest suites. */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { it, vi } from 'vitest';

import { seededRandom } from '../lib/plot/random';

/** Deterministic PRNG (mulberry32, the one the plots use). */
export const rng: (seed: number) => () => number = seededRandom;

/**
 * The ids a NativeTokenCounter made with `keepIds` kept, in corpus order (-1 ending each
 * sentence), parts joined: taken with the identity as final ids, so they are its provisional ids.
 */
export async function keptIds(counter: { distinct: number; takeIds(finalId: Int32Array, narrow: boolean): Promise<{ parts: ReadonlyArray<{ blocks: ReadonlyArray<ArrayLike<number>>; length: number }> } | undefined> }): Promise<number[] | undefined> {
  const parts = (await counter.takeIds(Int32Array.from({ length: counter.distinct }, (_, i) => i), false))?.parts;
  if (!parts) return undefined;
  const ids: number[] = [];
  for (const { blocks, length } of parts) {
    let taken = 0;
    for (const block of blocks) for (let i = 0; i < block.length && taken < length; i++, taken++) ids.push(block[i]!);
  }
  return ids;
}


/** The repository root. */
export const ROOT = resolve(__dirname, '..');

/**
 * The project's shared data folder, `../shared/data` beside the repository (never an absolute
 * path of one machine): corpora and evaluation files that the repository does not ship.
 */
export const SHARED_DATA = resolve(ROOT, '../shared/data');

/** `../shared/data/<relative>` when it exists here, else undefined (the caller skips, saying why). */
export function sharedData(relative: string): string | undefined {
  const path = join(SHARED_DATA, relative);
  return existsSync(path) ? path : undefined;
}

/** The reason a test that needs `../shared/data/<relative>` is skipped where it is missing. */
export const needsShared = (relative: string): string => `needs ../shared/data/${relative} beside the repository`;

/** What a child process did; output as latin1 (one char per byte, so byte-exact comparisons hold). */
export interface ProcessResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program ASYNCHRONOUSLY (never spawnSync in a test: a synchronous child holds the
 * vitest worker's event loop for the whole run, its RPC with the main process times out at
 * 60 s, and vitest then drops the files still to run). Killed after `timeout` ms; rejects only
 * when the program cannot start.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { input?: string | Buffer; timeout?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') });
    });
    // A program that exits before reading all its input closes the pipe: not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The original word2vec C tools, built by the `word2vec` devDependency's install. */
export const ORIGINAL_C = join(ROOT, 'node_modules/word2vec/src');

/** `node_modules/word2vec/src/<name>` when built here, else undefined. */
export function originalTool(name: string): string | undefined {
  const path = join(ORIGINAL_C, name);
  return existsSync(path) ? path : undefined;
}

/** The reason a test that needs an original C tool is skipped where it is missing. */
export const needsOriginal = (name: string): string => `needs the original ${name} (node_modules/word2vec/src/${name}, built by npm ci)`;

/**
 * `it` when nothing is missing; else the test is reported as skipped with `missing` as its
 * reason (printed in the run's list of skipped tests), never passed with its checks dropped.
 */
export function itNeeds(missing: string | undefined): (name: string, fn: () => unknown, timeout?: number) => void {
  if (missing === undefined) return (name, fn, timeout) => it(name, fn, timeout);
  return (name, _fn, timeout) => it(name, (ctx) => ctx.skip(missing), timeout);
}

/** The first reason among several, or undefined when nothing is missing. */
export const firstMissing = (...reasons: Array<string | undefined>): string | undefined => reasons.find((r) => r !== undefined);

/** The first `name` on `path` (default: this process's PATH) that is an executable file, or undefined. */
export function onPath(name: string, path: string = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Runs the `w2v` command line in this process (lib/cli/main.ts); its exit code and what it printed. */
export async function runCliInProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../lib/cli/main');
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
