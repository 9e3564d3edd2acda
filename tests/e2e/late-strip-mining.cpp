// Loops the frontend cannot strip-mine (a `while` over pointers, a reverse
// count, a `<=` bound, a bound read from a field) are strip-mined in IR just
// before the vectorizer once they are countable: they vectorize exactly as
// without the plugin, compute the same results for every trip count around
// the chunk size, are still interrupted with every destructor run, and a
// handshake that changes the bound between two chunks is seen by the next
// chunk (the field is reloaded after the chunk's poll).
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 -march=x86-64-v2 %s -o %t.O3 %sp_link && %t.O3
// Debug info survives the rewrite (cloned reloads keep their scopes).
// RUN: %sp_clangxx -O2 -g -c %s -o /dev/null
// RUN: %sp_clangxx -O2 -c %s -o /dev/null '-Rpass=loop-vectorize|safepoint' 2>&1 | FileCheck %s --check-prefixes=VEC,SP
// RUN: %clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=VEC
// RUN: env SAFEPOINT_ABLATE=strip-mine-ir %sp_clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=ABLATED

#include "harness.h"

#include <safepoint/handshake.hpp>

#include <cstring>
#include <numeric>
#include <vector>

using namespace harness;

// ABLATED-NOT: late-strip-mining.cpp:{{.*}} remark: vectorized loop
// SP-DAG: late-strip-mining.cpp:[[@LINE+4]]:{{[0-9]+}}: remark: loop strip-mined after optimization: one poll per 1024 iterations
// VEC-DAG: late-strip-mining.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: vectorized loop
__attribute__((noinline)) static char *copy(const char *src, char *op,
                                            char *const limit) {
  while (op < limit)
    *op++ = *src++;
  return limit;
}

// SP-DAG: late-strip-mining.cpp:[[@LINE+4]]:{{[0-9]+}}: remark: loop strip-mined after optimization
// VEC-DAG: late-strip-mining.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: vectorized loop
__attribute__((noinline)) static int sum_down(const int *a, long n) {
  int s = 0;
  for (long i = n; i-- > 0;)
    s += a[i];
  return s;
}

// SP-DAG: late-strip-mining.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: loop strip-mined after optimization
// VEC-DAG: late-strip-mining.cpp:[[@LINE+2]]:{{[0-9]+}}: remark: vectorized loop
__attribute__((noinline)) static void iota_from_one(int *row, int n) {
  for (int i = 1; i <= n; ++i)
    row[i] = i;
}

struct Span {
  const int *p;
  long n;
};

// SP-DAG: late-strip-mining.cpp:[[@LINE+4]]:{{[0-9]+}}: remark: loop strip-mined after optimization
// VEC-DAG: late-strip-mining.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: vectorized loop
__attribute__((noinline)) static long sum_field(const Span &s) {
  long t = 0;
  for (long i = 0; i < s.n; ++i)
    t += s.p[i];
  return t;
}

// Counts up to a bound that another thread lowers with a handshake.
struct Bound {
  long n;
};
Bound g_bound;
__attribute__((noinline)) static long count_to_bound(const int *p) {
  long t = 0;
  for (long i = 0; i < g_bound.n; ++i) {
    reached();
    t += p[i & 1023];
  }
  return t;
}

// Copies again and again until interrupted; the live object must be
// destroyed by the chunk poll's cleanup.
__attribute__((noinline)) static void copy_forever(std::vector<char> &to,
                                                   const std::vector<char> &from) {
  Tracked t(1);
  for (;;) {
    reached();
    copy(from.data(), to.data(), to.data() + to.size());
    consume(static_cast<unsigned char>(to[7]));
  }
}

int main() {
  std::vector<int> v(5001);
  std::vector<char> from(5000), to(5000);
  for (int i = 0; i < 5000; ++i) {
    v[i] = i % 97 - 40;
    from[i] = static_cast<char>(i * 13);
  }
  for (long n : {0L, 1L, 2L, 1023L, 1024L, 1025L, 2047L, 2048L, 2049L, 4999L}) {
    std::fill(to.begin(), to.end(), 0);
    CHECK(copy(from.data(), to.data(), to.data() + n) == to.data() + n);
    CHECK(std::memcmp(to.data(), from.data(), n) == 0);
    CHECK(n == 5000 || to[n] == 0);
    CHECK(sum_down(v.data(), n) == std::accumulate(v.begin(), v.begin() + n, 0));
    CHECK(sum_field(Span{v.data(), n}) ==
          std::accumulate(v.begin(), v.begin() + n, 0L));
    std::vector<int> row(n + 1, -1);
    iota_from_one(row.data(), static_cast<int>(n));
    CHECK(row[0] == -1);
    for (long i = 1; i <= n; ++i)
      CHECK(row[i] == i);
  }

  reset();
  bool caught = false;
  interrupt_when_reached([&] {
    try {
      copy_forever(to, from);
    } catch (Timeout &t) {
      CHECK(t.what == "e2e");
      caught = true;
    }
  });
  CHECK(caught && balanced(1));

  // A handshake lowers the bound: the loop ends at the next chunk boundary.
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  g_bound.n = 1L << 62;
  long counted = -1;
  safepoint::thread worker([&] { counted = count_to_bound(v.data()); });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  safepoint::run_on(worker.handle(), [] { g_bound.n = 0; }).get();
  if (!worker.wait_for(std::chrono::minutes(1))) {
    std::fprintf(stderr, "the loop did not see its lowered bound\n");
    std::_Exit(2);
  }
  worker.join();
  CHECK(counted >= 0);
  std::puts("late-strip-mining: passed");
}
