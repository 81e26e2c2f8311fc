// This machine's limits, measured now: the FMA peak of `threads` cores (float32, AVX2+FMA)
// and the bandwidth of a plain memcpy (STREAM's convention: read + write bytes). Built from
// bench/tools/peak-flops.c with AVX2+FMA: a benchmark tool, never shipped.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** { threads, peakFlops, copyBytes, copySeconds, copyBandwidth } */
export function machineLimits(threads, copyBytes = 400 << 20) {
  const scratch = join(here, '..', 'scratch');
  mkdirSync(scratch, { recursive: true });
  const tool = join(scratch, 'peak-flops');
  execFileSync('cc', ['-O2', '-mavx2', '-mfma', '-pthread', '-o', tool, join(here, 'peak-flops.c')]);
  return JSON.parse(execFileSync(tool, [String(threads), String(copyBytes)], { encoding: 'utf8' }));
}
