// The CUDA training kernel: skip-gram and CBOW with negative sampling and/or hierarchical
// softmax, Hogwild on global memory.
//
// Layout, and why:
// - One warp per sentence slice (32 centre words of one subsampled sentence; the host builds
//   the slices, see batch_builder.h). A warp walks its centres in order, as one CPU thread
//   walks a sentence, while thousands of warps train different slices at once: a batch of
//   ~2M words gives ~50k slices, several per resident warp of an H200. BlazingText gives a
//   thread block a sentence; a warp is enough at dim <= 1024 and needs no __syncthreads.
// - A row of dim floats is spread over the 32 lanes (lane l holds columns l, l+32, ...), so
//   row loads and atomic adds are coalesced and a dot product is kPerLane FMAs per lane and
//   a 5-step __shfl_xor butterfly. The input row (skip-gram: a context word; CBOW: the mean
//   of the window) and its gradient live in registers.
// - One set of negatives per centre word, shared by its whole window (BlazingText; Ji et
//   al.'s pWord2Vec): the centre's output row, its K negatives and its Huffman path nodes
//   (the "targets") are staged once in shared memory and every context row of the window
//   meets them there, so each target row is read from global memory once per window, not
//   once per pair (FULL-W2V's point: the kernel is bound by memory latency, not FLOPs).
//   Targets are updated in place in shared memory, so later context words see the earlier
//   ones' updates as in the sequential original, and their accumulated change is added back
//   to global memory once at the end. sharedNegatives = false draws fresh negatives per pair.
// - Hogwild: no locks. Updates go to global memory with atomicAdd (RED.ADD at L2, fire and
//   forget), so warps that hit the same frequent row at once add up instead of losing each
//   other's update; rows are read with __ldcg (L2, not a stale L1 copy).
// - Draws come from a counter-based generator (SplitMix64 at counter = position, draw; see
//   device_math.h): no per-thread state, and the host emulation (reference_kernel.cc)
//   reproduces every draw, which is how a GPU test checks this kernel. Negatives come from
//   the same Walker alias table as the CPU trainer (8 bytes a word, one draw each).
// - Sigmoid clipped at MAX_EXP 6 as the original; learning rate per slice, decayed linearly
//   over all epochs' words by the host.
// Not done (yet): FULL-W2V's reuse of context rows across neighbouring centres, which would
// cut the context-row traffic by about the window's width.
#include <cuda_runtime.h>

#include <algorithm>

#include "device_math.h"
#include "train_kernel.h"

namespace w2v {
namespace cuda {

namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarp = 32;
constexpr int kGroup = 4;  // targets whose dot products are reduced together
constexpr uint8_t kPositive = 1;
constexpr uint8_t kHierarchical = 2;

struct WarpShared {
  int32_t* ids;
  uint8_t* kinds;
  float* tile;   // tileRows x dim: target rows, updated in place
  float* delta;  // tileRows x dim: their change since loaded
};

struct WarpTotals {
  double loss = 0;
  unsigned long long predictions = 0;
  unsigned long long rows = 0;
};

// The centre word's targets (Huffman path nodes, the word, its negatives) into ids/kinds;
// returns their count, the same on every lane.
__device__ __forceinline__ int buildTargets(const KernelArgs& a, const WarpShared& s, int32_t word, uint32_t position,
                            uint32_t drawBase, int lane) {
  __syncwarp();  // every lane is done reading the previous targets
  int n = 0;
  if (a.hs) {
    const int64_t begin = a.offsets[word];
    const int length = static_cast<int>(a.offsets[word + 1] - begin);
    for (int k = lane; k < length; k += kWarp) {
      s.ids[k] = a.points[begin + k];
      s.kinds[k] = static_cast<uint8_t>(kHierarchical | (a.codes[begin + k] == 0 ? kPositive : 0));
    }
    n = length;
  }
  if (a.negative > 0) {
    if (lane == 0) {
      s.ids[n] = word;
      s.kinds[n] = kPositive;
    }
    n += 1;
    for (int base = 0; base < a.negative; base += kWarp) {
      const int k = base + lane;
      int32_t sample = word;
      if (k < a.negative)
        sample = aliasPick(a.alias, a.vocabSize, counterRandom(a.key, position, drawBase + static_cast<uint32_t>(k)));
      const bool keep = sample != word;
      const unsigned mask = __ballot_sync(kFullMask, keep);
      if (keep) {
        const int at = n + __popc(mask & ((1u << lane) - 1u));
        s.ids[at] = sample;
        s.kinds[at] = 0;
      }
      n += __popc(mask);
    }
  }
  __syncwarp();
  return n;
}

__device__ __forceinline__ float* targetRow(const KernelArgs& a, const WarpShared& s, int t) {
  return ((s.kinds[t] & kHierarchical) ? a.syn1 : a.syn1neg) + static_cast<size_t>(s.ids[t]) * a.dim;
}

// Each lane copies its own columns: no other lane reads them, so no barrier is needed.
template <int kPerLane>
__device__ __forceinline__ void loadTile(const KernelArgs& a, const WarpShared& s, int first, int count, int lane) {
  for (int t = 0; t < count; ++t) {
    const float* src = targetRow(a, s, first + t);
    float* o = s.tile + t * a.dim;
    float* d = s.delta + t * a.dim;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int col = lane + kWarp * i;
      if (col < a.dim) {
        o[col] = __ldcg(src + col);
        d[col] = 0.0f;
      }
    }
  }
}

template <int kPerLane>
__device__ __forceinline__ void writeBackTile(const KernelArgs& a, const WarpShared& s, int first, int count, int lane) {
  for (int t = 0; t < count; ++t) {
    float* dst = targetRow(a, s, first + t);
    const float* d = s.delta + t * a.dim;
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int col = lane + kWarp * i;
      if (col < a.dim) atomicAdd(dst + col, d[col]);
    }
  }
}

// The input row x against `count` staged targets: gradient for x in `gradient`, each
// target updated in place (its change kept in delta). Dot products of kGroup targets are
// reduced together so their shuffles overlap.
template <int kPerLane>
__device__ __forceinline__ void trainTile(const KernelArgs& a, const WarpShared& s, int first, int count, const float (&x)[kPerLane],
                          float (&gradient)[kPerLane], float alpha, int lane, double& loss) {
  const int dim = a.dim;
  for (int t0 = 0; t0 < count; t0 += kGroup) {
    float f[kGroup];
#pragma unroll
    for (int j = 0; j < kGroup; ++j) {
      f[j] = 0.0f;
      if (t0 + j < count) {
        const float* o = s.tile + (t0 + j) * dim;
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) {
          const int col = lane + kWarp * i;
          if (col < dim) f[j] += x[i] * o[col];
        }
      }
    }
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
#pragma unroll
      for (int j = 0; j < kGroup; ++j) f[j] += __shfl_xor_sync(kFullMask, f[j], offset);
#pragma unroll
    for (int j = 0; j < kGroup; ++j) {
      if (t0 + j >= count) continue;  // not break: the loop must stay unrolled (f in registers)
      const uint8_t kind = s.kinds[first + t0 + j];
      const float label = (kind & kPositive) ? 1.0f : 0.0f;
      const float g = gradientScale(f[j], label, (kind & kHierarchical) != 0) * alpha;
      if (lane == j) loss += lossTerm(f[j], label);  // one lane per target, in parallel
      float* o = s.tile + (t0 + j) * dim;
      float* d = s.delta + (t0 + j) * dim;
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) {
        const int col = lane + kWarp * i;
        if (col < dim) {
          const float old = o[col];
          gradient[i] += g * old;
          o[col] = old + g * x[i];
          d[col] += g * x[i];
        }
      }
    }
  }
}

template <int kPerLane>
__device__ __forceinline__ void loadRow(const float* row, int dim, int lane, float (&x)[kPerLane]) {
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int col = lane + kWarp * i;
    x[i] = col < dim ? __ldcg(row + col) : 0.0f;
  }
}

template <int kPerLane>
__device__ __forceinline__ void addToRow(float* row, int dim, int lane, const float (&g)[kPerLane]) {
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int col = lane + kWarp * i;
    if (col < dim) atomicAdd(row + col, g[i]);
  }
}

// Skip-gram: the staged targets against the context words at positions [from, to] except
// `skip`, tile by tile; each context row is updated after its pass over a tile.
template <int kPerLane>
__device__ __forceinline__ void skipGramTargets(const KernelArgs& a, const WarpShared& s, int targets, int from, int to, int skip,
                                float alpha, int lane, WarpTotals& totals) {
  for (int t0 = 0; t0 < targets; t0 += a.tileRows) {
    const int count = min(a.tileRows, targets - t0);
    loadTile<kPerLane>(a, s, t0, count, lane);
    for (int c = from; c <= to; ++c) {
      if (c == skip) continue;
      float* in = a.syn0 + static_cast<size_t>(a.tokens[c]) * a.dim;
      float x[kPerLane];
      float gradient[kPerLane];
      loadRow<kPerLane>(in, a.dim, lane, x);
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) gradient[i] = 0.0f;
      trainTile<kPerLane>(a, s, t0, count, x, gradient, alpha, lane, totals.loss);
      addToRow<kPerLane>(in, a.dim, lane, gradient);
      totals.rows += 2;
    }
    writeBackTile<kPerLane>(a, s, t0, count, lane);
    totals.rows += 2 * static_cast<unsigned long long>(count);
  }
}

template <int kPerLane>
__global__ void trainKernel(KernelArgs a) {
  extern __shared__ __align__(16) unsigned char shared[];
  const int lane = static_cast<int>(threadIdx.x) & (kWarp - 1);
  const int warpInBlock = static_cast<int>(threadIdx.x) / kWarp;

  const size_t idsBytes = (static_cast<size_t>(a.maxTargets) * sizeof(int32_t) + 15) / 16 * 16;
  const size_t kindsBytes = (static_cast<size_t>(a.maxTargets) + 15) / 16 * 16;
  unsigned char* base = shared + static_cast<size_t>(warpInBlock) * warpSharedBytes(a.maxTargets, a.tileRows, a.dim);
  WarpShared s;
  s.ids = reinterpret_cast<int32_t*>(base);
  s.kinds = base + idsBytes;
  s.tile = reinterpret_cast<float*>(base + idsBytes + kindsBytes);
  s.delta = s.tile + static_cast<size_t>(a.tileRows) * a.dim;

  WarpTotals totals;
  // Grid-stride over slices (the whole warp takes the same ones): one slice per warp when the
  // grid covers them all, several in turn when the grid is capped (launchTrainKernel).
  for (int sliceIndex = static_cast<int>(blockIdx.x) * kWarpsPerBlock + warpInBlock; sliceIndex < a.sliceCount;
       sliceIndex += static_cast<int>(gridDim.x) * kWarpsPerBlock) {
    const SliceDesc slice = a.slices[sliceIndex];
    const float alpha = slice.alpha;
    for (int p = slice.begin; p < slice.end; ++p) {
      const uint32_t position = static_cast<uint32_t>(p);
      const int32_t word = a.tokens[p];
      const int span = reducedSpan(counterRandom(a.key, position, 0), a.window);
      const int from = max(slice.sentenceBegin, p - span);
      const int to = min(slice.sentenceEnd - 1, p + span);
      const int contexts = to - from;  // the window's positions but p itself
      if (contexts == 0) continue;
      if (a.cbow) {
        float hidden[kPerLane];
        float gradient[kPerLane];
  #pragma unroll
        for (int i = 0; i < kPerLane; ++i) hidden[i] = gradient[i] = 0.0f;
        for (int c = from; c <= to; ++c) {
          if (c == p) continue;
          float row[kPerLane];
          loadRow<kPerLane>(a.syn0 + static_cast<size_t>(a.tokens[c]) * a.dim, a.dim, lane, row);
  #pragma unroll
          for (int i = 0; i < kPerLane; ++i) hidden[i] += row[i];
        }
        const float scale = 1.0f / static_cast<float>(contexts);
  #pragma unroll
        for (int i = 0; i < kPerLane; ++i) hidden[i] *= scale;
        const int targets = buildTargets(a, s, word, position, 1, lane);
        for (int t0 = 0; t0 < targets; t0 += a.tileRows) {
          const int count = min(a.tileRows, targets - t0);
          loadTile<kPerLane>(a, s, t0, count, lane);
          trainTile<kPerLane>(a, s, t0, count, hidden, gradient, alpha, lane, totals.loss);
          writeBackTile<kPerLane>(a, s, t0, count, lane);
          totals.rows += 2 * static_cast<unsigned long long>(count);
        }
        for (int c = from; c <= to; ++c)
          if (c != p) addToRow<kPerLane>(a.syn0 + static_cast<size_t>(a.tokens[c]) * a.dim, a.dim, lane, gradient);
        totals.rows += 2 * static_cast<unsigned long long>(contexts);
        totals.predictions += 1;
      } else if (a.negative > 0 && !a.sharedNegatives) {
        int j = 0;
        for (int c = from; c <= to; ++c) {
          if (c == p) continue;
          const int targets =
              buildTargets(a, s, word, position, 1 + static_cast<uint32_t>(j * a.negative), lane);
          skipGramTargets<kPerLane>(a, s, targets, c, c, -1, alpha, lane, totals);
          ++j;
        }
        totals.predictions += static_cast<unsigned long long>(contexts);
      } else {
        const int targets = buildTargets(a, s, word, position, 1, lane);
        skipGramTargets<kPerLane>(a, s, targets, from, to, p, alpha, lane, totals);
        totals.predictions += static_cast<unsigned long long>(contexts);
      }
    }
  }
  // Each lane holds the loss of the targets it scored; lane 0 holds the counts.
  double loss = totals.loss;
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) loss += __shfl_xor_sync(kFullMask, loss, offset);
  if (lane == 0) {
    atomicAdd(&a.counters->loss, loss);
    atomicAdd(&a.counters->predictions, totals.predictions);
    atomicAdd(&a.counters->rowsMoved, totals.rows);
  }
}

using KernelFunction = void (*)(KernelArgs);

// Registers hold kPerLane floats of each row: the smallest variant that covers dim.
KernelFunction kernelFor(int32_t dim) {
  if (dim <= 2 * kWarp) return trainKernel<2>;
  if (dim <= 4 * kWarp) return trainKernel<4>;
  if (dim <= 8 * kWarp) return trainKernel<8>;
  if (dim <= 10 * kWarp) return trainKernel<10>;
  if (dim <= 16 * kWarp) return trainKernel<16>;
  if (dim <= 24 * kWarp) return trainKernel<24>;
  return trainKernel<32>;
}

}  // namespace

size_t trainKernelSharedBytes(const KernelArgs& args) {
  return static_cast<size_t>(kWarpsPerBlock) * warpSharedBytes(args.maxTargets, args.tileRows, args.dim);
}

cudaError_t prepareTrainKernel(int32_t dim, size_t sharedBytes) {
  return cudaFuncSetAttribute(reinterpret_cast<const void*>(kernelFor(dim)),
                              cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(sharedBytes));
}

cudaError_t launchTrainKernel(const KernelArgs& args, cudaStream_t stream, int32_t maxBlocks) {
  if (args.sliceCount <= 0) return cudaSuccess;
  int32_t blocks32 = (args.sliceCount + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (maxBlocks > 0) blocks32 = std::min(blocks32, maxBlocks);
  const unsigned blocks = static_cast<unsigned>(blocks32);
  kernelFor(args.dim)<<<blocks, kWarpsPerBlock * kWarp, trainKernelSharedBytes(args), stream>>>(args);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace w2v
