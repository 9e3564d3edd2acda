// Optimized, a poll's slow call that has no landing pad in its function uses
// the preserve_most entry point: the loop keeps its values in caller-saved
// registers across it. Handshakes run in that slow path, which returns into
// a loop with twelve live accumulators; the result must equal the same loop
// run without them. The loop then ends with an interrupt thrown from the
// same slow path, caught two frames up with every destructor run.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: env SAFEPOINT_ABLATE=preserve-slow %sp_clangxx -O2 %s -o %t.ablated %sp_link && %t.ablated
// RUN: %sp_clangxx -O2 -S -emit-llvm -o - %s | FileCheck %s

#include "harness.h"

#include <safepoint/handshake.hpp>

using namespace harness;

static bool stop_flag;

// Twelve accumulators live across every poll; Limited stops after \p n
// iterations, the other when stop_flag is set. Returns the iterations run.
// CHECK-LABEL: define {{.*}} @_Z3mixILb0EEmmPm(
// CHECK:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
// CHECK:       {{^}}}
template <bool Limited>
[[gnu::noinline]] unsigned long mix(unsigned long n, unsigned long *out) {
  unsigned long a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8,
                i = 9, j = 10, k = 11, l = 12, it = 0;
  for (; Limited ? it < n : !__atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
       ++it) {
    a += b ^ it;
    b = (b << 1 | b >> 63) + c;
    c ^= d * 3;
    d += e >> 2;
    e = e * 5 + f;
    f ^= g + it;
    g += h << 3;
    h ^= i * 7;
    i += j ^ a;
    j = j * 9 + k;
    k ^= l + b;
    l += a ^ k;
  }
  out[0] = a ^ b ^ c ^ d;
  out[1] = e ^ f ^ g ^ h;
  out[2] = i ^ j ^ k ^ l;
  return it;
}

[[gnu::noinline]] static unsigned long run_until_stopped(unsigned long *out) {
  reached();
  return mix<false>(0, out);
}

int main() {
  unsigned long got[3] = {}, iterations = 0;
  int handshakes = 0;
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  safepoint::thread worker([&] { iterations = run_until_stopped(got); });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  // Each handshake runs on the worker, inside a poll's slow path.
  for (; handshakes < 200; ++handshakes)
    safepoint::run_on(worker.handle(), [] {
      consume(1); // and clobbers what a C call may
    }).get();
  __atomic_store_n(&stop_flag, true, __ATOMIC_RELAXED);
  worker.join();
  unsigned long want[3];
  CHECK(mix<true>(iterations, want) == iterations);
  CHECK(got[0] == want[0] && got[1] == want[1] && got[2] == want[2]);

  // An interrupt thrown from the same kind of slow path.
  __atomic_store_n(&stop_flag, false, __ATOMIC_RELAXED);
  expect_caught([] {
    Tracked inner(1);
    unsigned long sink_out[3];
    run_until_stopped(sink_out);
  });
  std::puts("preserving-slow-path: passed");
}
