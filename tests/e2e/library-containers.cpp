// Loops in library code (system headers) poll only where they already call
// something that can throw: std::unordered_map's rehash loop calls only
// noexcept code, so an interrupt there would leave the buckets half moved and
// the map corrupted (a use after free in its destructor, at the latest). A
// thread inserting into and rehashing a large map is interrupted again and
// again; after every caught interrupt the map must be intact: its size is
// its iteration count, every element sits in its own bucket, every key
// inserted before the interrupt is found.
// RUN: %sp_clangxx -O2 %s -o %t %sp_link && %t
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-placement=naive %s -o %t.naive %sp_link && %t.naive
// RUN: %sp_clangxx -O1 -g -fsanitize=address %s -o %t.asan %sp_link && %t.asan

#include "harness.h"

#include <unordered_map>

using namespace harness;

using Map = std::unordered_map<long, long>;

// Keys [0, next) have been inserted in order; only the last may be missing.
static long next_key;
static unsigned long rehashes;

static void grow(Map &m) {
  reached();
  for (;;) {
    for (int i = 0; i < 512; ++i, ++next_key)
      m.emplace(next_key, next_key * 3);
    // Force full rehashes too, to both larger and smaller bucket arrays.
    m.rehash(++rehashes % 2 ? m.bucket_count() * 2 : 0);
  }
}

static void check_intact(const Map &m) {
  unsigned long n = 0;
  for (const auto &[k, v] : m) {
    CHECK(v == k * 3);
    ++n;
  }
  CHECK(n == m.size());
  unsigned long in_buckets = 0;
  for (unsigned long b = 0; b < m.bucket_count(); ++b) {
    for (auto it = m.begin(b); it != m.end(b); ++it)
      CHECK(m.bucket(it->first) == b);
    in_buckets += m.bucket_size(b);
  }
  CHECK(in_buckets == m.size());
  for (long k = 0; k + 1 < next_key; ++k) {
    auto it = m.find(k);
    CHECK(it != m.end() && it->second == k * 3);
  }
  CHECK(m.size() + 1 >= static_cast<unsigned long>(next_key));
}

int main() {
  Map m;
  for (int round = 0; round < 150; ++round) {
    if (m.size() > 400000) {
      m.clear();
      next_key = 0;
    }
    bool caught = false;
    // Interrupt at a random point 0-4 ms after the worker got going.
    auto delay = std::chrono::microseconds(round * 7919 % 4000);
    std::chrono::steady_clock::time_point start{};
    __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
    interrupt_once_ready(
        [&] {
          try {
            grow(m);
          } catch (Timeout &) {
            caught = true;
          }
        },
        [&](const safepoint::handle &) {
          if (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
            return false;
          auto now = std::chrono::steady_clock::now();
          if (start == std::chrono::steady_clock::time_point{})
            start = now;
          return now - start >= delay;
        },
        "the worker never started growing the map");
    CHECK(caught);
    check_intact(m);
  }
  std::puts("library-containers: passed");
}
