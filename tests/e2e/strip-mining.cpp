// Counted loops with unknown trip counts are strip-mined: one poll per chunk
// of iterations, the inner loop poll-free (so it still vectorizes). Results
// are exactly those of the original loop, for every trip count around the
// chunk size, and a long vectorized loop is still interrupted promptly with
// every destructor run.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 -march=x86-64-v2 %s -o %t.O3 %sp_link && %t.O3
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=VEC
// RUN: %clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=VEC

#include "harness.h"

#include <vector>

using namespace harness;

// VEC: strip-mining.cpp:[[@LINE+2]]:{{[0-9]+}}: remark: vectorized loop
static void saxpy(float *y, const float *x, float a, int n) {
  for (int i = 0; i < n; ++i)
    y[i] = a * x[i] + y[i];
}

// VEC: strip-mining.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: vectorized loop
static long sum(const int *p, long from, long n) {
  long s = 0;
  for (long i = from; i < n; ++i)
    s += p[i];
  return s;
}

static unsigned with_continue(const unsigned *p, unsigned n) {
  unsigned s = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (p[i] % 3 == 0)
      continue;
    s += p[i];
  }
  return s;
}

// A long vectorizable loop, run again and again until interrupted.
static void long_vectorized(std::vector<int> &v, int n) {
  Tracked t(1);
  for (long round = 0;; ++round) {
    reached();
    consume(static_cast<unsigned long>(sum(v.data(), 0, n) + round));
  }
}

int main() {
  std::vector<int> v(5000);
  std::vector<unsigned> u(5000);
  for (int i = 0; i < 5000; ++i) {
    v[i] = i % 97 - 40;
    u[i] = static_cast<unsigned>(i * 7);
  }
  for (long n : {0L, 1L, 2L, 1023L, 1024L, 1025L, 2047L, 2048L, 2049L, 4999L}) {
    long expect = 0;
    unsigned expect_u = 0;
    for (long i = 0; i < n; ++i) {
      expect += v[i];
      if (u[i] % 3 != 0)
        expect_u += u[i];
    }
    CHECK(sum(v.data(), 0, n) == expect);
    CHECK(with_continue(u.data(), static_cast<unsigned>(n)) == expect_u);
    // Start past the bound, and start negative (offset pointer).
    CHECK(sum(v.data(), n + 5, n) == 0);
    CHECK(sum(v.data() + 2000, -1500, n - 1500) ==
          sum(v.data(), 500, n + 500));
  }
  std::vector<float> x(3000, 2.0f), y(3000, 1.0f);
  saxpy(y.data(), x.data(), 3.0f, 3000);
  for (float f : y)
    CHECK(f == 7.0f);

  reset();
  bool caught = false;
  interrupt_when_reached([&] {
    try {
      long_vectorized(v, 5000);
    } catch (Timeout &t) {
      CHECK(t.what == "e2e");
      caught = true;
    }
  });
  CHECK(caught && balanced(1));
  std::puts("strip-mining: passed");
}
