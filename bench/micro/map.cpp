// std::map: inserts, lookups and erases with random keys (allocation and
// tree walks in library templates).
#include "common.hpp"
#include <map>

static std::vector<std::uint32_t> keys;

static void setup() {
  bench::rng r(10);
  keys.resize(1 << 15);
  for (auto &k : keys)
    k = r.below(1 << 20);
}

static std::uint64_t run() {
  std::uint64_t acc = 0;
  for (int rep = 0; rep < 4; ++rep) {
    std::map<std::uint32_t, std::uint64_t> m;
    for (std::uint32_t k : keys)
      m[k] += k;
    for (std::uint32_t k : keys) {
      auto it = m.find(k ^ 1);
      if (it != m.end())
        acc += it->second;
    }
    for (std::size_t i = 0; i < keys.size(); i += 2)
      m.erase(keys[i]);
    acc += m.size();
  }
  return acc;
}

BENCH_KERNEL("map", setup, run)
