// AlignedFloats::shrink (pages::shrink): the kept floats stay, the rest goes back, and the
// block is then freed by its new size, for heap blocks and mappings of their own alike.
#include <cstddef>
#include <cstdint>

#include "aligned_buffer.h"
#include "check.h"

namespace {

void fillRamp(w2v::AlignedFloats& a) {
  for (size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<float>(i);
}

bool keptRamp(const w2v::AlignedFloats& a, size_t count) {
  if (a.size() != count) return false;
  for (size_t i = 0; i < count; ++i)
    if (a.data()[i] != static_cast<float>(i)) return false;
  return true;
}

constexpr size_t kMappedFloats = w2v::pages::kMapBytes / sizeof(float);

}  // namespace

TEST(aligned_floats_shrink_keeps_the_head_of_a_mapping_in_place) {
  // 8 MiB, a mapping of its own, to 5 MiB and an odd count: the same block, its head intact,
  // writable to its new end; freed by the destructor at its new size.
  w2v::AlignedFloats a(2 * kMappedFloats * 4);
  fillRamp(a);
  const float* before = a.data();
  const size_t keep = kMappedFloats * 5 + 13;
  a.shrink(keep);
  CHECK(a.data() == before);
  CHECK(keptRamp(a, keep));
  a.data()[keep - 1] = -1.0f;
  CHECK_EQ(a.data()[keep - 1], -1.0f);
}

TEST(aligned_floats_shrink_below_a_mapping_moves_to_the_heap) {
  w2v::AlignedFloats a(kMappedFloats + 100);
  fillRamp(a);
  a.shrink(1000);
  CHECK(keptRamp(a, 1000));
  CHECK_EQ(reinterpret_cast<uintptr_t>(a.data()) % w2v::AlignedFloats::kAlignment, uintptr_t{0});
}

TEST(aligned_floats_shrink_of_a_heap_block_and_the_edge_cases) {
  w2v::AlignedFloats a(5000);
  fillRamp(a);
  a.shrink(4000);
  CHECK(keptRamp(a, 4000));
  a.shrink(4000);  // not smaller: nothing changes
  a.shrink(9000);
  CHECK(keptRamp(a, 4000));
  a.shrink(0);  // nothing kept: freed
  CHECK(a.empty());
  CHECK(a.data() == nullptr);
  w2v::AlignedFloats none;
  none.shrink(0);
  CHECK(none.empty());
}
