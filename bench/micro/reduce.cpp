// Vectorizable reductions: integer sum, integer dot product, maximum.
// Stresses placement: a poll inside the inner loop blocks vectorization.
#include "common.hpp"

static std::vector<std::int32_t> a, b;

static void setup() {
  bench::rng r(1);
  a.resize(1 << 14);
  b.resize(1 << 14);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<std::int32_t>(r.below(2000)) - 1000;
    b[i] = static_cast<std::int32_t>(r.below(2000)) - 1000;
  }
}

__attribute__((noinline)) static std::int64_t sum(const std::int32_t *x,
                                                  std::size_t n) {
  std::int64_t s = 0;
  for (std::size_t i = 0; i < n; ++i)
    s += x[i];
  return s;
}

__attribute__((noinline)) static std::int64_t dot(const std::int32_t *x,
                                                  const std::int32_t *y,
                                                  std::size_t n) {
  std::int64_t s = 0;
  for (std::size_t i = 0; i < n; ++i)
    s += static_cast<std::int64_t>(x[i]) * y[i];
  return s;
}

__attribute__((noinline)) static std::int32_t max_of(const std::int32_t *x,
                                                     std::size_t n) {
  std::int32_t m = x[0];
  for (std::size_t i = 1; i < n; ++i)
    m = x[i] > m ? x[i] : m;
  return m;
}

static std::uint64_t run() {
  std::uint64_t acc = 0;
  for (int rep = 0; rep < 6000; ++rep) {
    bench::keep(a);
    acc += static_cast<std::uint64_t>(sum(a.data(), a.size()));
    acc += static_cast<std::uint64_t>(dot(a.data(), b.data(), a.size()));
    acc += static_cast<std::uint64_t>(max_of(b.data(), b.size()));
  }
  return acc;
}

BENCH_KERNEL("reduce", setup, run)
