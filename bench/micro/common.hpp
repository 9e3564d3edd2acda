// bench/micro/common.hpp: what a micro-kernel needs.
//
// A kernel is a name, an untimed setup() that builds a fixed, deterministic
// input, and run(), the timed work: it returns a checksum and can be
// restarted at any time (it rebuilds whatever state it mutates, because the
// latency mode interrupts it anywhere). A kernel file ends with
//
//   BENCH_KERNEL("name", setup, run)
//
// and is linked with driver/driver.cpp, which provides main() (time mode and
// latency mode, see there). Kernels include no Safepoint header: the same
// source is built plain, with naive placement and with the default placement,
// and only the kernel's own object is measured (size, compile time, remarks).
#ifndef SAFEPOINT_BENCH_COMMON_HPP
#define SAFEPOINT_BENCH_COMMON_HPP

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// A deterministic pseudo-random generator (splitmix64): identical inputs in
/// every configuration and on every run.
struct rng {
  std::uint64_t s;
  explicit rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(next() % n);
  }
};

/// Keeps a value alive without letting the optimizer reason about it.
template <class T> inline void keep(const T &v) {
  asm volatile("" : : "r,m"(v) : "memory");
}

struct kernel {
  const char *name;
  void (*setup)();
  std::uint64_t (*run)();
};

} // namespace bench

/// Defined by BENCH_KERNEL in each kernel file, used by driver/driver.cpp.
extern const bench::kernel bench_kernel;

#define BENCH_KERNEL(NAME, SETUP, RUN)                                         \
  extern const bench::kernel bench_kernel{NAME, SETUP, RUN};

#endif
