/**
 * The optional CUDA trainer: which devices this build sees, and which device a training
 * runs on (`device: 'cpu' | 'cuda' | 'auto'`).
 * @packageDocumentation
 */
import { native, nativeLimits, type NativeCudaStatus } from './addon';

/** A CUDA device the CUDA build of the addon can train on. */
export interface CudaDevice {
  /** CUDA device index (among those CUDA_VISIBLE_DEVICES shows). */
  index: number;
  name: string;
  /** Device memory in bytes. */
  memoryBytes: number;
  /** Compute capability, e.g. "9.0" for Hopper. */
  computeCapability: string;
  multiprocessors: number;
  /** Peak memory bandwidth in bytes per second (memory clock x bus width x 2). */
  memoryBandwidth: number;
}

let status: NativeCudaStatus | undefined;

/** The addon's CUDA status, probed once (cudaGetDeviceCount starts the driver). */
function cudaStatus(): NativeCudaStatus {
  status ??= native().cudaStatus();
  return status;
}

/**
 * The CUDA devices training can use: [] when this build has no CUDA support
 * (`npm run build:cuda` makes one) or no device is visible.
 */
export function cudaDevices(): CudaDevice[] {
  return cudaStatus().devices.map((d) => ({
    index: d.index,
    name: d.name,
    memoryBytes: d.memoryBytes,
    computeCapability: `${d.computeMajor}.${d.computeMinor}`,
    multiprocessors: d.multiprocessors,
    memoryBandwidth: d.memoryBandwidth,
  }));
}

/**
 * Whether 'auto' may pick the GPU. Not yet: the CUDA kernel has never run on a GPU (it is
 * tested only against its host emulation, test/core/cuda_host_test.cc), so a default that
 * picked it would hand every user of a CUDA build an unverified trainer. Set this to true
 * once bench/gpu.sh (the GPU tests, compute-sanitizer, quality and speed against the CPU
 * trainer) has passed on a GPU.
 */
const AUTO_PICKS_GPU = false;

/**
 * The device a training runs on. 'cpu' is the CPU. 'cuda' is the GPU, an explicit opt-in:
 * refused with an Error saying why it cannot run (no CUDA in this build, no device visible,
 * or an option the GPU trainer does not take). 'auto' is the CPU for now, even where 'cuda'
 * would be accepted: the GPU trainer has not yet run on a GPU (see bench/gpu.sh); once it has
 * passed there, 'auto' will be the GPU when 'cuda' would be accepted, else the CPU.
 */
export function resolveDevice(requested: 'cpu' | 'cuda' | 'auto', options: { dim: number }): 'cpu' | 'cuda' {
  if (requested === 'cpu' || (requested === 'auto' && !AUTO_PICKS_GPU)) return 'cpu';
  const refusal = cudaRefusal(options);
  if (refusal === undefined) return 'cuda';
  if (requested === 'auto') return 'cpu';
  throw new Error(refusal);
}

function cudaRefusal(options: { dim: number }): string | undefined {
  let s: NativeCudaStatus;
  try {
    s = cudaStatus();
  } catch (err) {
    return `device "cuda" is not available: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!s.compiled) {
    return 'device "cuda" is not available: this build of word2vec-native has no CUDA support; build it with npm run build:cuda';
  }
  if (s.deviceCount === 0) return `device "cuda" is not available: no CUDA device is visible (${s.error ?? 'cudaGetDeviceCount returned 0 devices'})`;
  // The CUDA trainer's bound (a row held by one warp's registers), from the addon.
  const maxDim = nativeLimits().maxCudaDim;
  if (options.dim > maxDim) return `device "cuda" supports dim up to ${maxDim}, got ${options.dim}`;
  return undefined;
}
