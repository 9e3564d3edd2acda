// Optimized, a poll's slow call that has no landing pad in its function uses
// the preserve_most entry point, and one with a landing pad (here: a guard
// object live across the loop) is split into a preserve_most check and a
// raise into the landing pad: either way the loop keeps its values in
// caller-saved registers across the poll. Handshakes run in those slow
// paths, which return into a loop with twelve live accumulators; the result
// must equal the same loop run without them. The loop then ends with an
// interrupt thrown from the same slow path, caught two frames up with every
// destructor run (the guard's from the landing pad), and with an exception
// an on_interrupt handler throws in place of the interrupt.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: env SAFEPOINT_ABLATE=preserve-slow %sp_clangxx -O2 %s -o %t.ablated %sp_link && %t.ablated
// RUN: %sp_clangxx -O2 -S -emit-llvm -o - %s | FileCheck %s

#include "harness.h"
#include "twelve.h"

#include <safepoint/handshake.hpp>

#include <type_traits>

using namespace harness;

static bool stop_flag;

// Twelve accumulators live across every poll; Limited stops after \p n
// iterations, the other when stop_flag is set; Guarded keeps a Guard alive
// across the loop, so that its polls have a landing pad. Returns the
// iterations run.
// CHECK-LABEL: define {{.*}} @_Z3mixILb0ELb0EEmmPm(
// CHECK:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
// CHECK:       {{^}}}
// CHECK-LABEL: define {{.*}} @_Z3mixILb0ELb1EEmmPm(
// CHECK:         call preserve_mostcc i32 @__safepoint_poll_check_preserve()
// CHECK:         invoke void @__safepoint_poll_raise()
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:       {{^}}}
template <bool Limited, bool Guarded>
[[gnu::noinline]] unsigned long mix(unsigned long n, unsigned long *out) {
  [[maybe_unused]] std::conditional_t<Guarded, Guard, int> guard{};
  Twelve t;
  unsigned long it = 0;
  for (; Limited ? it < n : !__atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
       ++it) {
    t.step(it);
    if constexpr (Guarded)
      guard.wit.update(t);
  }
  t.result(out);
  return it;
}

template <bool Guarded>
[[gnu::noinline]] static unsigned long run_until_stopped(unsigned long *out) {
  reached();
  return mix<false, Guarded>(0, out);
}

template <bool Guarded> void handshakes_keep_registers() {
  unsigned long got[3] = {}, iterations = 0;
  __atomic_store_n(&stop_flag, false, __ATOMIC_RELAXED);
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  safepoint::thread worker(
      [&] { iterations = run_until_stopped<Guarded>(got); });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  // Each handshake runs on the worker, inside a poll's slow path.
  for (int handshakes = 0; handshakes < 200; ++handshakes)
    safepoint::run_on(worker.handle(), [] {
      consume(1); // and clobbers what a C call may
    }).get();
  __atomic_store_n(&stop_flag, true, __ATOMIC_RELAXED);
  worker.join();
  unsigned long want[3];
  CHECK((mix<true, false>(iterations, want)) == iterations);
  CHECK(got[0] == want[0] && got[1] == want[1] && got[2] == want[2]);
  CHECK(witness_agrees());
}

struct Progress {};

int main() {
  handshakes_keep_registers<false>();
  handshakes_keep_registers<true>();

  // An interrupt thrown from the same kinds of slow path.
  __atomic_store_n(&stop_flag, false, __ATOMIC_RELAXED);
  expect_caught([] {
    Tracked inner(1);
    unsigned long sink_out[3];
    run_until_stopped<false>(sink_out);
  });
  expect_caught([] {
    Tracked inner(1);
    unsigned long sink_out[3];
    run_until_stopped<true>(sink_out);
  });
  CHECK(built[5] == 1); // the guard was there, and destroyed (balanced)
  CHECK(witness_agrees());

  // A handler's own exception leaves the split slow path too, in place of
  // the interrupt it handled.
  reset();
  bool caught = false;
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  safepoint::thread t([&] {
    auto h = safepoint::on_interrupt<Progress>([](Progress &) {
      throw Timeout{"handler", 4};
    });
    try {
      unsigned long sink_out[3];
      run_until_stopped<true>(sink_out);
    } catch (Timeout &e) {
      caught = e.what == "handler" && e.seconds == 4;
    }
  });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  CHECK(t.interrupt(Progress{}));
  t.join();
  CHECK(caught);
  CHECK(built[5] == 1 && balanced(5));
  CHECK(witness_agrees());
  std::puts("preserving-slow-path: passed");
}
