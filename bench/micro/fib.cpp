// Recursion: naive Fibonacci, dominated by call overhead and entry polls.
#include "common.hpp"

static int depth;

static void setup() { depth = 36; }

__attribute__((noinline)) static std::uint64_t fib(int n) {
  return n < 2 ? static_cast<std::uint64_t>(n) : fib(n - 1) + fib(n - 2);
}

static std::uint64_t run() {
  int d = depth;
  bench::keep(d);
  return fib(d);
}

BENCH_KERNEL("fib", setup, run)
