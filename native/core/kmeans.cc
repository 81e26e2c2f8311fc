#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>

#include "w2v_limits.h"

namespace w2v {

std::vector<int32_t> kmeansClasses(const float* vectors, int64_t rows, int32_t dim, int32_t classes,
                                   int32_t iterations, int32_t threads, const std::atomic<bool>* cancel) {
  if (rows < 1 || dim < 1) throw std::invalid_argument("kmeans needs at least one vector");
  if (classes < 1 || classes > rows)
    throw std::invalid_argument("classes must be in [1, " + std::to_string(rows) + "], got " + std::to_string(classes));
  if (iterations < 1 || iterations > kMaxKMeansIterations)
    throw std::invalid_argument("iterations must be in [1, " + std::to_string(kMaxKMeansIterations) + "], got " +
                                std::to_string(iterations));
  threads = std::max(1, std::min(threads, kMaxKMeansThreads));
  const size_t d = static_cast<size_t>(dim);
  std::vector<int32_t> cl(static_cast<size_t>(rows));
  for (int64_t a = 0; a < rows; ++a) cl[static_cast<size_t>(a)] = static_cast<int32_t>(a % classes);
  std::vector<float> cent(static_cast<size_t>(classes) * d);
  std::vector<int32_t> centcn(static_cast<size_t>(classes));
  auto assign = [&](int64_t from, int64_t to) {
    for (int64_t c = from; c < to; ++c) {
      const float* v = vectors + static_cast<size_t>(c) * d;
      float closev = -10;
      int32_t closeid = 0;
      for (int32_t k = 0; k < classes; ++k) {
        const float* m = cent.data() + static_cast<size_t>(k) * d;
        float x = 0;
        for (size_t b = 0; b < d; ++b) x += m[b] * v[b];
        if (x > closev) {
          closev = x;
          closeid = k;
        }
      }
      cl[static_cast<size_t>(c)] = closeid;
    }
  };
  for (int32_t it = 0; it < iterations; ++it) {
    if (cancel && cancel->load()) break;
    std::fill(cent.begin(), cent.end(), 0.0f);
    std::fill(centcn.begin(), centcn.end(), 1);  // the original starts every count at 1
    for (int64_t c = 0; c < rows; ++c) {
      float* m = cent.data() + static_cast<size_t>(cl[static_cast<size_t>(c)]) * d;
      const float* v = vectors + static_cast<size_t>(c) * d;
      for (size_t b = 0; b < d; ++b) m[b] += v[b];
      centcn[static_cast<size_t>(cl[static_cast<size_t>(c)])]++;
    }
    for (int32_t k = 0; k < classes; ++k) {
      float* m = cent.data() + static_cast<size_t>(k) * d;
      float closev = 0;
      for (size_t b = 0; b < d; ++b) {
        m[b] /= static_cast<float>(centcn[static_cast<size_t>(k)]);
        closev += m[b] * m[b];
      }
      closev = std::sqrt(closev);
      if (closev > 0)
        for (size_t b = 0; b < d; ++b) m[b] /= closev;
    }
    if (threads == 1 || rows < 4096) {
      assign(0, rows);
    } else {
      std::vector<std::thread> pool;
      const int64_t step = (rows + threads - 1) / threads;
      for (int32_t t = 0; t < threads; ++t) {
        const int64_t from = t * step, to = std::min(rows, from + step);
        if (from < to) pool.emplace_back(assign, from, to);
      }
      for (auto& th : pool) th.join();
    }
  }
  return cl;
}

}  // namespace w2v
