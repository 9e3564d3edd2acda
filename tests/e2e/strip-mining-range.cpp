// Range-for loops over random-access ranges (pointers, std::vector,
// std::array, std::string, std::span) are strip-mined with the count
// `end - begin` computed up front, so the inner loop is counted and still
// vectorizes, as without the plugin. Other ranges (std::list) keep the
// two-exit form. Results are exactly those of the original loop for every
// size around the chunk, `continue` included, and a long range loop is
// still interrupted with every destructor run.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=VEC
// RUN: %clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=VEC

#include "harness.h"

#include <array>
#include <list>
#include <span>
#include <string>
#include <vector>

using namespace harness;

namespace {
int sq(int v) { return v * v; }
int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
} // namespace

// As in the calls_inline benchmark: inlined helpers over a vector.
// VEC-DAG: strip-mining-range.cpp:[[@LINE+4]]:{{[0-9]+}}: remark: vectorized loop
[[gnu::noinline]] static unsigned calls_inline(const std::vector<int> &xs,
                                               int origin) {
  unsigned acc = 0;
  for (int x : xs)
    acc += static_cast<unsigned>(clamp(sq(x - origin), 0, 250000));
  return acc;
}

// VEC-DAG: strip-mining-range.cpp:[[@LINE+2]]:{{[0-9]+}}: remark: vectorized loop
[[gnu::noinline]] static void scale(std::span<float> v, float a) {
  for (float &f : v)
    f = f * a + 1.0f;
}

// VEC-DAG: strip-mining-range.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: vectorized loop
[[gnu::noinline]] static unsigned count_a(const std::string &s) {
  unsigned n = 0;
  for (char c : s)
    n += c == 'a';
  return n;
}

// VEC-DAG: strip-mining-range.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: vectorized loop
[[gnu::noinline]] static long sum_array(const std::array<int, 5000> &a) {
  long s = 0;
  for (int x : a)
    s += x;
  return s;
}

[[gnu::noinline]] static long skip_thirds(const std::vector<int> &v) {
  long s = 0;
  for (int x : v) {
    if (x % 3 == 0)
      continue;
    s += x;
  }
  return s;
}

[[gnu::noinline]] static long sum_list(const std::list<int> &l) {
  long s = 0;
  for (int x : l)
    s += x;
  return s;
}

// A long range loop, run again and again until interrupted.
static void long_range(const std::vector<int> &v) {
  Tracked t(1);
  for (long round = 0;; ++round) {
    reached();
    long s = 0;
    for (int x : v)
      s += x;
    consume(static_cast<unsigned long>(s + round));
  }
}

int main() {
  std::vector<int> v(2049);
  std::string str(2049, 'x');
  std::vector<float> f(2049);
  for (int i = 0; i < 2049; ++i) {
    v[i] = i % 97 - 40;
    str[i] = "abcdefghijklmnopqrstuvwxyz"[i % 26];
  }
  for (unsigned long n : {0UL, 1UL, 1023UL, 1024UL, 1025UL, 2049UL}) {
    std::vector<int> w(v.begin(), v.begin() + n);
    unsigned expect = 0;
    for (unsigned long i = 0; i < n; ++i)
      expect += static_cast<unsigned>(clamp(sq(v[i] - 3), 0, 250000));
    CHECK(calls_inline(w, 3) == expect);

    for (unsigned long i = 0; i < f.size(); ++i)
      f[i] = static_cast<float>(i);
    scale(std::span<float>(f.data(), n), 2.0f);
    for (unsigned long i = 0; i < f.size(); ++i)
      CHECK(f[i] == (i < n ? 2.0f * static_cast<float>(i) + 1.0f
                           : static_cast<float>(i)));

    unsigned as = 0;
    for (unsigned long i = 0; i < n; ++i)
      as += str[i] == 'a';
    CHECK(count_a(str.substr(0, n)) == as);

    long all = 0, kept = 0;
    for (unsigned long i = 0; i < n; ++i) {
      all += v[i];
      kept += v[i] % 3 == 0 ? 0 : v[i];
    }
    CHECK(skip_thirds(w) == kept);
    CHECK(sum_list(std::list<int>(w.begin(), w.end())) == all);
  }
  std::array<int, 5000> a{};
  for (int i = 0; i < 5000; ++i)
    a[i] = i;
  CHECK(sum_array(a) == 5000L * 4999 / 2);

  reset();
  bool caught = false;
  std::vector<int> big(100000, 1);
  interrupt_when_reached([&] {
    try {
      long_range(big);
    } catch (Timeout &t) {
      CHECK(t.what == "e2e");
      caught = true;
    }
  });
  CHECK(caught && balanced(1));
  std::puts("strip-mining-range: passed");
}
