// Word classes by k-means on the word vectors, exactly as the original word2vec's -classes:
// classes start as id % k, centroids are means normalised to unit length, words go to the
// centroid of largest inner product, 10 rounds.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

namespace w2v {

/// Returns each row's class in [0, classes). `threads` share the assignment step; a set
/// `cancel` flag stops early (the result is then incomplete). Throws std::invalid_argument
/// for classes outside [1, rows] or iterations outside [1, kMaxKMeansIterations].
std::vector<int32_t> kmeansClasses(const float* vectors, int64_t rows, int32_t dim, int32_t classes,
                                   int32_t iterations, int32_t threads,
                                   const std::atomic<bool>* cancel = nullptr);

}  // namespace w2v
