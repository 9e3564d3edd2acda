// Before an LTO link every slow call is split into a preserve_most check,
// which cannot throw, and a C-convention raise, because the link may inline
// it where a landing pad's scope is open: here mix_until(), whose loop has no
// landing pad of its own, is inlined by the link into callers that keep a
// Guard alive, so its raise becomes an invoke into their landing pads. The
// loop keeps twelve accumulators in registers across handshakes run by the
// check (the result must equal a run without them), and an interrupt thrown
// by the raise runs every destructor; the landing pad needs two values the
// loop updates, which must agree. Thin and full LTO, linked with gold's LLVM
// plugin.
// RUN: rm -rf %t && split-file %s %t
// RUN: %sp_clangxx -O2 -flto=thin -c %t/lib.cpp -o %t/lib.thin.o
// RUN: %sp_clangxx -O2 -flto=thin -c %t/main.cpp -o %t/main.thin.o
// RUN: %sp_clangxx -O2 -flto=thin -fuse-ld=gold %t/main.thin.o %t/lib.thin.o -o %t/thin %sp_link -Wl,-plugin-opt=-pass-remarks=inline 2>&1 | FileCheck %s --check-prefix=INLINED
// RUN: %t/thin
// RUN: %sp_clangxx -O2 -flto -c %t/lib.cpp -o %t/lib.full.o
// RUN: %sp_clangxx -O2 -flto -c %t/main.cpp -o %t/main.full.o
// RUN: %sp_clangxx -O2 -flto -fuse-ld=gold %t/main.full.o %t/lib.full.o -o %t/full %sp_link -Wl,-plugin-opt=-pass-remarks=inline 2>&1 | FileCheck %s --check-prefix=INLINED
// RUN: %t/full
// INLINED-DAG: '_Z9mix_untilPKbR7WitnessPm' inlined into '{{[^']*}}thread_taskIvZ4main
// INLINED-DAG: '_Z9mix_untilPKbR7WitnessPm' inlined into '{{.*}}expect_caught

//--- common.h
#include "twelve.h"

unsigned long mix_until(const bool *stop, Witness &wit, unsigned long *out);
unsigned long mix_n(unsigned long n, unsigned long *out);

//--- lib.cpp
#include "common.h"

// Twelve accumulators live across every poll; stops after n iterations or
// when *stop is set. Returns the iterations run.
[[gnu::always_inline]] static inline unsigned long
body(const bool *stop, unsigned long n, Witness &wit, unsigned long *out) {
  Twelve t;
  unsigned long it = 0;
  for (; stop ? !__atomic_load_n(stop, __ATOMIC_RELAXED) : it < n; ++it) {
    t.step(it);
    wit.update(t);
  }
  t.result(out);
  return it;
}

[[gnu::always_inline]] unsigned long mix_until(const bool *stop, Witness &wit,
                                               unsigned long *out) {
  return body(stop, 0, wit, out);
}

unsigned long mix_n(unsigned long n, unsigned long *out) {
  Witness unused;
  return body(nullptr, n, unused, out);
}

//--- main.cpp
#include "common.h"
#include "harness.h"

#include <safepoint/handshake.hpp>

using namespace harness;

static bool stop_flag;

int main() {
  unsigned long got[3] = {}, iterations = 0;
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  safepoint::thread worker([&] {
    Guard g;
    reached();
    iterations = mix_until(&stop_flag, g.wit, got);
  });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  // Each handshake runs on the worker, inside the check.
  for (int handshakes = 0; handshakes < 200; ++handshakes)
    safepoint::run_on(worker.handle(), [] { consume(1); }).get();
  __atomic_store_n(&stop_flag, true, __ATOMIC_RELAXED);
  worker.join();
  unsigned long want[3];
  CHECK(mix_n(iterations, want) == iterations);
  CHECK(got[0] == want[0] && got[1] == want[1] && got[2] == want[2]);
  CHECK(witness_agrees());

  // An interrupt thrown by the raise, into the inlined caller's landing pad.
  __atomic_store_n(&stop_flag, false, __ATOMIC_RELAXED);
  expect_caught([] {
    Guard g;
    unsigned long out[3];
    reached();
    consume(mix_until(&stop_flag, g.wit, out));
  });
  CHECK(built[5] == 1 && witness_agrees());
  std::puts("lto-preserving-slow-path: passed");
}
