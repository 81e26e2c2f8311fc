// The coefficients of a tiled window (avx2.cc, avx512.cc) in 8-lane vectors: one vector
// holds a context's scores against its up-to-six targets (the centre word in lane 0).
// Included by both files inside their anonymous namespace, after kernels.h, sigmoid_table.h
// and <immintrin.h>; each compiles its own copy with its own instruction-set flags.

// Sums of six vectors, in lanes 0-5 (lanes 6 and 7 repeat 4 and 5).
inline __m256 sumsOfSix(const __m256* a) {
  const __m256 g0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  const __m256 h2 = _mm256_hadd_ps(a[4], a[5]);
  const __m256 g1 = _mm256_hadd_ps(h2, h2);
  return _mm256_add_ps(_mm256_permute2f128_ps(g0, g1, 0x20), _mm256_permute2f128_ps(g0, g1, 0x31));
}

// sigmoidIndex for eight lanes: (x + 6) * 83 truncated, 0 below the table (NaN too), 1000 above.
inline __m256i sigmoidIndices(__m256 x) {
  const __m256 at = _mm256_mul_ps(_mm256_add_ps(x, _mm256_set1_ps(kMaxExp)), _mm256_set1_ps(kSigmoidIndexScale));
  // max(at, 0) gives 0 for a NaN `at` (the second operand), as sigmoidIndex does.
  const __m256 clamped =
      _mm256_min_ps(_mm256_max_ps(at, _mm256_setzero_ps()), _mm256_set1_ps(static_cast<float>(kSigmoidTableSize)));
  return _mm256_cvttps_epi32(clamped);
}

// Coefficients of one context's targets (lanes 0 to T - 1; label 1 in lane 0), stored to G;
// their loss terms added to `loss` (lanes T and above add nothing).
inline void contextCoefficients(__m256 f, __m256 valid, const SentenceJob& j, float* G, __m256& loss) {
  const __m256 maxExp = _mm256_set1_ps(kMaxExp), minExp = _mm256_set1_ps(-kMaxExp);
  const __m256 label = _mm256_setr_ps(1, 0, 0, 0, 0, 0, 0, 0);
  __m256 s = _mm256_i32gather_ps(j.sigmoid, sigmoidIndices(f), 4);
  s = _mm256_blendv_ps(s, _mm256_set1_ps(1.0f), _mm256_cmp_ps(f, maxExp, _CMP_GT_OQ));
  s = _mm256_blendv_ps(s, _mm256_setzero_ps(), _mm256_cmp_ps(f, minExp, _CMP_LT_OQ));
  _mm256_store_ps(G, _mm256_mul_ps(_mm256_sub_ps(label, s), _mm256_set1_ps(j.alpha)));
  // log sigmoid(f) for the centre word, log sigmoid(-f) for the negatives.
  const __m256 centre = _mm256_castsi256_ps(_mm256_setr_epi32(-1, 0, 0, 0, 0, 0, 0, 0));
  const __m256 y = _mm256_blendv_ps(_mm256_sub_ps(_mm256_setzero_ps(), f), f, centre);
  __m256 l = _mm256_i32gather_ps(j.logSigmoid, sigmoidIndices(y), 4);
  l = _mm256_blendv_ps(l, _mm256_setzero_ps(), _mm256_cmp_ps(y, maxExp, _CMP_GE_OQ));
  l = _mm256_blendv_ps(l, y, _mm256_cmp_ps(y, minExp, _CMP_NGT_UQ));
  loss = _mm256_add_ps(loss, _mm256_and_ps(l, valid));
}
