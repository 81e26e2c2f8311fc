// W2V_HOST_DEVICE: a function nvcc compiles for both the host and the GPU, and plain C++
// compilers for the host alone.
#pragma once

#if defined(__CUDACC__)
#define W2V_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define W2V_HOST_DEVICE inline
#endif
