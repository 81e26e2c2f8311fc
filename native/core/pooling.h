// Pooling of token sequences (sentences, sessions, baskets) into one vector each: the mean,
// sum or coordinate-wise max of their tokens' rows, optionally weighted per token; and the
// steps of SIF embeddings (Arora, Liang & Ma 2017) after it: removing the first singular
// vector of the pooled rows, then unit-length rows.
#pragma once
#include <cstdint>
#include <vector>

namespace w2v {

enum class Pooling { kMean, kSum, kMax };

/// Sequences of row ids of a matrix: sequence s is ids[offsets[s], offsets[s + 1]).
struct TokenSequences {
  const float* matrix = nullptr;  ///< rows x dim, row-major
  int64_t rows = 0;
  int32_t dim = 0;
  const int32_t* ids = nullptr;  ///< idCount ids in [0, rows)
  int64_t idCount = 0;
  const int32_t* offsets = nullptr;  ///< sequences + 1 entries rising from 0 to idCount
  int64_t sequences = 0;
  const double* weights = nullptr;  ///< idCount finite weights >= 0, or null: every token weighs 1
};

/// Throws std::invalid_argument naming the first bad field, index and value: a matrix, ids,
/// offsets or dim that do not fit together, an offset that falls or leaves [0, idCount], an
/// id outside [0, rows), a weight that is negative or not finite.
void checkSequences(const TokenSequences& in);

/// Writes sequences x dim values to `out`, one pooled row per sequence (checked first): kMean
/// sum(w v) / sum(w), kSum sum(w v), kMax the largest w v of each coordinate. A sequence with
/// no token (or, for kMean, a total weight of 0) gives a row of zeros. Sums run in double.
/// Sequences are split over up to `threads` threads in blocks; each row is computed by one
/// thread in token order, so the result does not depend on `threads`.
void poolSequences(const TokenSequences& in, Pooling mode, int32_t threads, float* out);

/// The unit vector u maximising sum_r (u . x_r)^2 over the n rows: their first right singular
/// vector, uncentred (what SIF removes: the reference code's TruncatedSVD), by power iteration
/// from the rows' sum (on the rows, then on their Gram matrix when that converges slowly and
/// dim <= 2048), sign fixed so that its entry of largest magnitude is positive. All zeros when
/// every row is zero. The result does not depend on `threads`.
std::vector<float> firstSingularVector(const float* rows, int64_t n, int32_t dim, int32_t threads);

/// x_r -= u (u . x_r) for each of the n rows.
void removeComponent(float* rows, int64_t n, int32_t dim, const float* u, int32_t threads);

/// Scales each of the n rows to unit length; rows of zeros stay zero.
void normalizeRowsInPlace(float* rows, int64_t n, int32_t dim, int32_t threads);

/// What to do after pooling, in this order.
struct EmbedSteps {
  Pooling pooling = Pooling::kMean;
  /// Remove the pooled rows' first singular vector (computed: firstSingularVector), written
  /// to `component` (dim values).
  bool computeComponent = false;
  /// Or remove this one (dim values), given; null: none. Exclusive with computeComponent.
  const float* givenComponent = nullptr;
  bool normalize = false;
};

/// poolSequences, then the steps: `out` is sequences x dim values, `component` dim values
/// (written only when computeComponent).
void embedSequences(const TokenSequences& in, const EmbedSteps& steps, int32_t threads, float* out,
                    float* component);

}  // namespace w2v
