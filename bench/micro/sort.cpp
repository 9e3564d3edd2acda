// std::sort of integers and of small structs with a custom comparator.
#include "common.hpp"

struct rec {
  std::uint32_t key;
  std::uint32_t payload;
};
static std::vector<std::uint32_t> ints;
static std::vector<rec> recs;

static void setup() {
  bench::rng r(9);
  ints.resize(1 << 18);
  for (auto &v : ints)
    v = static_cast<std::uint32_t>(r.next());
  recs.resize(1 << 16);
  for (auto &v : recs)
    v = {static_cast<std::uint32_t>(r.next()), r.below(100)};
}

static std::uint64_t run() {
  std::uint64_t acc = 0;
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<std::uint32_t> v = ints;
    std::sort(v.begin(), v.end());
    acc += v[v.size() / 3];
  }
  for (int rep = 0; rep < 6; ++rep) {
    std::vector<rec> v = recs;
    std::sort(v.begin(), v.end(), [](const rec &a, const rec &b) {
      return a.payload != b.payload ? a.payload < b.payload : a.key < b.key;
    });
    acc += v[v.size() / 2].key;
  }
  return acc;
}

BENCH_KERNEL("sort", setup, run)
