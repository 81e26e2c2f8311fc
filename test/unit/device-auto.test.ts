/**
 * device 'auto' never picks the GPU trainer, which has not yet run on a GPU, even where a
 * CUDA build sees a device; 'cuda' stays an explicit opt-in. The addon is replaced by one that
 * reports a CUDA build with a visible H200, so these checks mean the same on every machine.
 */
import { describe, expect, it, vi } from 'vitest';

import { cudaDevices, resolveDevice } from '../../lib/native/cuda';
import { resolveTrainOptions } from '../../lib/training/options';

// Hoisted above the imports by vitest: lib/native/cuda.ts and lib/training/options.ts see this addon.

vi.mock('../../lib/native/addon', () => {
  // The bounds of native/core/w2v_limits.h (and the CUDA trainer's dim), as the real addon exports them.
  const limits = {
    maxDim: 10000, maxWindow: 1000, maxNegative: 1000, maxGroupNegative: 1000, maxThreads: 1024, maxEpochs: 100000,
    maxAlpha: 10, minProgressIntervalMs: 1, maxProgressIntervalMs: 3600000, maxQueueCapacity: 4096, maxCodeLength: 64,
    maxVocabSize: 2147483647, maxModelDim: 100000, maxKMeansIterations: 1000, maxKMeansThreads: 256, maxCudaDim: 1024,
  };
  return {
    nativeLimits: () => limits,
    native: () => ({
      limits,
      cudaStatus: () => ({
        compiled: true,
        deviceCount: 1,
        devices: [{
          index: 0, name: 'NVIDIA H200', memoryBytes: 150e9, computeMajor: 9, computeMinor: 0, multiprocessors: 132,
          memoryBandwidth: 4.8e12,
        }],
      }),
    }),
  };
});

describe('a CUDA build that sees a GPU', () => {
  it('reports it', () => {
    expect(cudaDevices().length).toBe(1);
    expect(cudaDevices().map((d) => d.computeCapability)).toEqual(['9.0']);
  });

  it("'auto' (the default) trains on the CPU", () => {
    expect(resolveDevice('auto', { dim: 100 })).toBe('cpu');
    expect(resolveTrainOptions({ device: 'auto' }).device).toBe('cpu');
    expect(resolveTrainOptions({}).device).toBe('cpu');
  });

  it("'cuda' is taken when asked for, and refused above the GPU trainer's dim limit", () => {
    expect(resolveDevice('cuda', { dim: 100 })).toBe('cuda');
    expect(resolveTrainOptions({ device: 'cuda', dim: 1024 }).device).toBe('cuda');
    expect(() => resolveTrainOptions({ device: 'cuda', dim: 1025 })).toThrow(new Error('device "cuda" supports dim up to 1024, got 1025'));
    expect(resolveDevice('cpu', { dim: 100 })).toBe('cpu');
  });
});
