/**
 * Helpers of the reliability suites: the library as one CommonJS file for child processes and
 * worker threads (built from the current sources, so a stale dist/ never hides a change), a
 * child-process runner, and the thread count of this process.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

export const ROOT = resolve(__dirname, '../..');
export const IS_LINUX = process.platform === 'linux';

let bundle: string | undefined;

/**
 * lib/index.ts bundled into one CommonJS file under node_modules/.cache (inside the package,
 * so that the addon loader finds binding.gyp above it); dependencies stay external. Named by
 * its content's hash, so runs of the same sources share it; bundles of other sources older
 * than an hour are removed.
 */
export function libraryBundle(): string {
  if (bundle) return bundle;
  const dir = join(ROOT, 'node_modules/.cache/w2v-reliability');
  mkdirSync(dir, { recursive: true });
  const built = buildSync({
    entryPoints: [join(ROOT, 'lib/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    packages: 'external',
    write: false,
    outfile: join(dir, 'lib.cjs'),
    logLevel: 'error',
  });
  const code = built.outputFiles[0]!.contents;
  const out = join(dir, `lib-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`);
  if (!existsSync(out)) {
    // Written whole under another name first: a concurrent reader never sees half a file.
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, out);
  }
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name.startsWith('lib-') && path !== out && Date.now() - statSync(path).mtimeMs > 3600_000) rmSync(path, { force: true });
  }
  bundle = out;
  return out;
}

/** What a child process did. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `code` (CommonJS) in a child `node` with `nodeArgs`; `W2V_LIB` in its environment is
 * the library bundle. Rejects only if it cannot start; a crash is in `signal` / `code`.
 */
export function runChild(code: string, options: { nodeArgs?: string[]; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ChildResult> {
  const dir = join(ROOT, 'node_modules/.cache/w2v-reliability');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `child-${process.pid}-${Math.random().toString(36).slice(2)}.cjs`);
  writeFileSync(script, code);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
      env: { ...process.env, W2V_LIB: libraryBundle(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(script, { force: true });
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Threads of this process (Linux: /proc/self/status). */
export function threadCount(): number {
  const m = /^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no Threads: line in /proc/self/status');
  return Number(m[1]);
}

/**
 * Waits until this process's thread count is at most `baseline` (threads exit a moment after
 * they are joined); returns the last count seen.
 */
export async function threadsBackTo(baseline: number, timeoutMs = 2000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let n = threadCount();
  while (n > baseline && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 10));
    n = threadCount();
  }
  return n;
}

/** The error a promise rejects with (test/helpers.ts), for the reliability suites' imports. */
export { rejection } from '../helpers';
