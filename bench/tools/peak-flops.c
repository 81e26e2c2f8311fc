/* The machine's limits for the benchmarks: the FMA peak of `threads` cores (float32, with the
 * widest FMA unit the CPU has: AVX-512 where present, else AVX2+FMA; 12 independent
 * accumulators so neither pipe waits on latency), the bandwidth of a read-only scan (what a
 * query over a matrix does: each byte read once, nothing written), and a plain copy's
 * bandwidth (STREAM's convention: read + write bytes). Built by bench/tools/machine.mjs with
 * -O2 -mavx2 -mfma (the AVX-512 loop has its own target attribute and runs only where CPUID
 * says so); a benchmark tool, never shipped. Prints JSON.
 *
 * `peak-flops --core-to-core`: the round trip of one cache line between CPUs 0 and 1 (two
 * threads pinned to them, each waiting for the other's write), the best of 3 runs, in ns.
 * On a virtual machine it tells where the host has put the two vCPUs now: on cores that
 * share an L3 the line goes back and forth in ~55 ns, across chiplets in ~350 (measured on
 * the AMD EPYC of bench/results/studies/two-thread-placement.md); Hogwild training, whose
 * threads write the same rows, runs up to twice as long in the second case. */
#define _GNU_SOURCE
#include <immintrin.h>
#include <sched.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void* fmaLoop(void* arg) {
  long iterations = *(long*)arg;
  /* Twelve named accumulators: enough independent chains to cover the FMA latency of two
   * pipes, and named so the compiler keeps each in a register. */
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  __m256 a0 = _mm256_set1_ps(0), a1 = _mm256_set1_ps(1), a2 = _mm256_set1_ps(2), a3 = _mm256_set1_ps(3);
  __m256 a4 = _mm256_set1_ps(4), a5 = _mm256_set1_ps(5), a6 = _mm256_set1_ps(6), a7 = _mm256_set1_ps(7);
  __m256 a8 = _mm256_set1_ps(8), a9 = _mm256_set1_ps(9), a10 = _mm256_set1_ps(10), a11 = _mm256_set1_ps(11);
  for (long n = 0; n < iterations; ++n) {
    a0 = _mm256_fmadd_ps(a0, m, c); a1 = _mm256_fmadd_ps(a1, m, c); a2 = _mm256_fmadd_ps(a2, m, c);
    a3 = _mm256_fmadd_ps(a3, m, c); a4 = _mm256_fmadd_ps(a4, m, c); a5 = _mm256_fmadd_ps(a5, m, c);
    a6 = _mm256_fmadd_ps(a6, m, c); a7 = _mm256_fmadd_ps(a7, m, c); a8 = _mm256_fmadd_ps(a8, m, c);
    a9 = _mm256_fmadd_ps(a9, m, c); a10 = _mm256_fmadd_ps(a10, m, c); a11 = _mm256_fmadd_ps(a11, m, c);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  float out[8];
  _mm256_storeu_ps(out, s);
  static volatile float keep;
  keep = out[0];
  return NULL;
}

__attribute__((target("avx512f"))) static void* fmaLoop512(void* arg) {
  long iterations = *(long*)arg;
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  __m512 a0 = _mm512_set1_ps(0), a1 = _mm512_set1_ps(1), a2 = _mm512_set1_ps(2), a3 = _mm512_set1_ps(3);
  __m512 a4 = _mm512_set1_ps(4), a5 = _mm512_set1_ps(5), a6 = _mm512_set1_ps(6), a7 = _mm512_set1_ps(7);
  __m512 a8 = _mm512_set1_ps(8), a9 = _mm512_set1_ps(9), a10 = _mm512_set1_ps(10), a11 = _mm512_set1_ps(11);
  for (long n = 0; n < iterations; ++n) {
    a0 = _mm512_fmadd_ps(a0, m, c); a1 = _mm512_fmadd_ps(a1, m, c); a2 = _mm512_fmadd_ps(a2, m, c);
    a3 = _mm512_fmadd_ps(a3, m, c); a4 = _mm512_fmadd_ps(a4, m, c); a5 = _mm512_fmadd_ps(a5, m, c);
    a6 = _mm512_fmadd_ps(a6, m, c); a7 = _mm512_fmadd_ps(a7, m, c); a8 = _mm512_fmadd_ps(a8, m, c);
    a9 = _mm512_fmadd_ps(a9, m, c); a10 = _mm512_fmadd_ps(a10, m, c); a11 = _mm512_fmadd_ps(a11, m, c);
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  static volatile float keep;
  keep = _mm512_reduce_add_ps(s);
  return NULL;
}

/* A read-only scan: 8 independent AVX2 sums over two streams a thread (the two halves of its
 * part), with software prefetch ahead of each, so the number of cache misses in flight, not
 * the adds, sets the pace. One stream with 4 sums and no prefetch read slower than our own
 * query kernel does, which made it no limit at all. */
struct ReadJob { const float* src; size_t floats; float sum; };
static void* readPart(void* arg) {
  struct ReadJob* j = (struct ReadJob*)arg;
  const size_t half = (j->floats / 2) & ~(size_t)31;
  const float* a = j->src;
  const float* b = j->src + half;
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  __m256 s4 = _mm256_setzero_ps(), s5 = _mm256_setzero_ps(), s6 = _mm256_setzero_ps(), s7 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= half; i += 32) {
    _mm_prefetch((const char*)(a + i + 1024), _MM_HINT_T0);
    _mm_prefetch((const char*)(a + i + 1040), _MM_HINT_T0);
    _mm_prefetch((const char*)(b + i + 1024), _MM_HINT_T0);
    _mm_prefetch((const char*)(b + i + 1040), _MM_HINT_T0);
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
    s4 = _mm256_add_ps(s4, _mm256_loadu_ps(b + i));
    s5 = _mm256_add_ps(s5, _mm256_loadu_ps(b + i + 8));
    s6 = _mm256_add_ps(s6, _mm256_loadu_ps(b + i + 16));
    s7 = _mm256_add_ps(s7, _mm256_loadu_ps(b + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)),
                                      _mm256_add_ps(_mm256_add_ps(s4, s5), _mm256_add_ps(s6, s7))));
  float sum = 0;
  for (int k = 0; k < 8; ++k) sum += out[k];
  /* What the paired loop left: the rest of the second half. */
  for (size_t k = half + i; k < j->floats; ++k) sum += j->src[k];
  j->sum = sum;
  return NULL;
}

struct CopyJob { char* dst; const char* src; size_t bytes; };
static void* copyPart(void* arg) {
  struct CopyJob* j = (struct CopyJob*)arg;
  memcpy(j->dst, j->src, j->bytes);
  return NULL;
}

static _Alignas(64) atomic_long pingPong;
enum { kRoundTrips = 100000 };

static void pinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void* pongLoop(void* arg) {
  (void)arg;
  pinTo(1);
  for (long i = 0; i < kRoundTrips; ++i) {
    while (atomic_load_explicit(&pingPong, memory_order_acquire) != 2 * i + 1) {
    }
    atomic_store_explicit(&pingPong, 2 * i + 2, memory_order_release);
  }
  return NULL;
}

static int coreToCore(void) {
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    atomic_store(&pingPong, 0);
    pthread_t other;
    pthread_create(&other, NULL, pongLoop, NULL);
    pinTo(0);
    double t = now();
    for (long i = 0; i < kRoundTrips; ++i) {
      atomic_store_explicit(&pingPong, 2 * i + 1, memory_order_release);
      while (atomic_load_explicit(&pingPong, memory_order_acquire) != 2 * i + 2) {
      }
    }
    double s = now() - t;
    pthread_join(other, NULL);
    if (s < best) best = s;
  }
  printf("{\"coreToCoreNs\":%.1f}\n", best * 1e9 / kRoundTrips);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--core-to-core") == 0) return coreToCore();
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  size_t bytes = argc > 2 ? (size_t)atoll(argv[2]) : (size_t)400 << 20;
  if (threads < 1 || threads > 256) threads = 1;
  pthread_t pool[256];
  long iterations = 200000000 / 12;
  double best = 0, best256 = 0;
  const int wide = __builtin_cpu_supports("avx512f");
  for (int width = 8; width <= (wide ? 16 : 8); width *= 2) {
    for (int rep = 0; rep < 3; ++rep) {
      double t = now();
      for (int i = 0; i < threads; ++i) pthread_create(&pool[i], NULL, width == 16 ? fmaLoop512 : fmaLoop, &iterations);
      for (int i = 0; i < threads; ++i) pthread_join(pool[i], NULL);
      double flops = (double)iterations * 12 * width * 2 * threads / (now() - t);
      if (flops > best) best = flops;
      if (width == 8 && flops > best256) best256 = flops;
    }
  }
  char* src = malloc(bytes);
  char* dst = malloc(bytes);
  memset(src, 1, bytes);
  memset(dst, 2, bytes);
  double bestRead = 1e30;
  struct ReadJob reads[256];
  size_t floats = bytes / sizeof(float);
  for (int rep = 0; rep < 5; ++rep) {
    double t = now();
    size_t part = floats / threads;
    for (int i = 0; i < threads; ++i) {
      reads[i].src = (const float*)src + i * part;
      reads[i].floats = i == threads - 1 ? floats - i * part : part;
      pthread_create(&pool[i], NULL, readPart, &reads[i]);
    }
    for (int i = 0; i < threads; ++i) pthread_join(pool[i], NULL);
    double s = now() - t;
    if (s < bestRead) bestRead = s;
  }
  double bestCopy = 1e30;
  struct CopyJob jobs[256];
  for (int rep = 0; rep < 5; ++rep) {
    double t = now();
    size_t part = bytes / threads;
    for (int i = 0; i < threads; ++i) {
      jobs[i].dst = dst + i * part;
      jobs[i].src = src + i * part;
      jobs[i].bytes = i == threads - 1 ? bytes - i * part : part;
      pthread_create(&pool[i], NULL, copyPart, &jobs[i]);
    }
    for (int i = 0; i < threads; ++i) pthread_join(pool[i], NULL);
    double s = now() - t;
    if (s < bestCopy) bestCopy = s;
  }
  /* STREAM's convention: a copy moves each byte twice (read + write). */
  printf("{\"threads\":%d,\"fmaWidth\":\"%s\",\"peakFlops\":%.6g,\"peakFlopsAvx2\":%.6g,\"readBytes\":%zu,\"readSeconds\":%.6g,"
         "\"readBandwidth\":%.6g,\"copyBytes\":%zu,\"copySeconds\":%.6g,\"copyBandwidth\":%.6g}\n",
         threads, wide ? "avx512" : "avx2", best, best256, (size_t)(floats * sizeof(float)), bestRead,
         floats * sizeof(float) / bestRead, bytes, bestCopy, 2.0 * bytes / bestCopy);
  free(src);
  free(dst);
  return 0;
}
