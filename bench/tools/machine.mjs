// This machine: what it is (CPU model, cores, instruction sets) and its limits, measured now:
// the FMA peak of `threads` cores (float32, the widest FMA unit the CPU has: AVX-512 where
// present), the bandwidth of a read-only scan, and that of a plain memcpy (read + write bytes).
// Built from bench/tools/peak-flops.c: a benchmark tool, never shipped. Also the round trip of a
// cache line between the first two CPUs (coreToCoreNs), measured before each timed run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

let builtTool = null;
function peakFlopsTool() {
  if (builtTool === null) {
    const scratch = join(here, '..', 'scratch');
    mkdirSync(scratch, { recursive: true });
    builtTool = join(scratch, 'peak-flops');
    execFileSync('cc', ['-O2', '-mavx2', '-mfma', '-pthread', '-o', builtTool, join(here, 'peak-flops.c')]);
  }
  return builtTool;
}

/** { threads, fmaWidth, peakFlops, peakFlopsAvx2, readBandwidth, copyBandwidth, ... } */
export function machineLimits(threads, bytes = 400 << 20) {
  return JSON.parse(execFileSync(peakFlopsTool(), [String(threads), String(bytes)], { encoding: 'utf8' }));
}

/**
 * The round trip of a cache line between CPUs 0 and 1 now, in ns (peak-flops.c says how):
 * where a virtual machine's host has put the two vCPUs, which moves a 2-thread training's
 * time by up to 2x. Null with fewer than 2 CPUs. Takes ~25 ms.
 */
export function coreToCoreNs() {
  if (availableParallelism() < 2) return null;
  return JSON.parse(execFileSync(peakFlopsTool(), ['--core-to-core'], { encoding: 'utf8' })).coreToCoreNs;
}

/** The machine a figure comes from: CPU model, cores, the SIMD sets it has, memory, node. */
export function machineDescription() {
  let flags = [];
  let family = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = (/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(' ');
    // A virtual machine often names only the brand ("AMD EPYC"): family and model tell the
    // generation (AMD family 25: Zen 3 / Zen 4; family 26: Zen 5).
    const f = /^cpu family\s*:\s*(\d+)$/m.exec(info)?.[1];
    const m = /^model\s*:\s*(\d+)$/m.exec(info)?.[1];
    if (f && m) family = ` (family ${f}, model ${m})`;
  } catch {
    // not Linux: the model name from os.cpus() is all we say
  }
  const isa = ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl'].filter((f) => flags.includes(f));
  return {
    cpu: (cpus()[0]?.model?.trim() ?? 'unknown') + family,
    cores: availableParallelism(),
    isa,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
  };
}

/** One line for a result file: "AMD EPYC, 2 cores (avx2 fma avx512f ...), 24 GiB, linux-x64, node v20". */
export function describeMachine(m = machineDescription()) {
  return `${m.cpu}, ${m.cores} cores (${m.isa.join(' ') || 'no AVX'}), ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}`;
}
