// Call-heavy code made of tiny functions that are not inlined: every call
// pays the callee's entry poll, if it has one.
#include "common.hpp"

#define NOINLINE __attribute__((noinline))

NOINLINE static int add(int a, int b) { return a + b; }
NOINLINE static int mul(int a, int b) { return a * b; }
NOINLINE static int mix(int a, int b) { return add(mul(a, 31), b) ^ (a >> 3); }
NOINLINE static bool odd(int v) { return v & 1; }

static int seed;

static void setup() { seed = 7; }

static std::uint64_t run() {
  int v = seed;
  bench::keep(v);
  std::uint64_t acc = 0;
  for (int i = 0; i < 20'000'000; ++i) {
    v = mix(v, i);
    if (odd(v))
      acc += static_cast<std::uint32_t>(v);
  }
  return acc;
}

BENCH_KERNEL("calls_noinline", setup, run)
