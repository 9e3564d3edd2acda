// A threaded interpreter polls at every second dispatch once its handlers
// are copied (DispatchAlternation.cpp): an interrupt that arrives in a
// handler is thrown at that handler's goto, or at the next handler's, never
// later. SELF interrupts its own thread; "lateness" is how many handlers ran
// after it before the throw, for SELF run first and second: one of them runs
// in the polling originals (0), the other in the copies (1), whichever copy
// the first dispatch enters. Without the copies (-O0, -Os, the ablation)
// every goto polls.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0 | FileCheck %s --check-prefix=EVERY
// RUN: %sp_clangxx -O1 %s -o %t.O1 %sp_link && %t.O1 | FileCheck %s --check-prefix=SECOND
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2 | FileCheck %s --check-prefix=SECOND
// RUN: %sp_clangxx -O3 -g %s -o %t.O3 %sp_link && %t.O3 | FileCheck %s --check-prefix=SECOND
// RUN: %sp_clangxx -Os %s -o %t.Os %sp_link && %t.Os | FileCheck %s --check-prefix=EVERY
// RUN: env SAFEPOINT_ABLATE=dispatch-alternate %sp_clangxx -O2 %s -o %t.noalt %sp_link && %t.noalt | FileCheck %s --check-prefix=EVERY
// The copies over one shared dispatch block, without DispatchDuplication:
// RUN: env SAFEPOINT_ABLATE=dispatch-dup %sp_clangxx -O2 %s -o %t.shared %sp_link && %t.shared | FileCheck %s --check-prefix=SECOND
//
// EVERY: lateness min 0 max 0
// SECOND: lateness min 0 max 1

#include "harness.h"

#include <cstdio>

using namespace harness;

enum op : unsigned char { STEP, SELF, HALT };
struct insn {
  op code;
};

static long steps, at;

__attribute__((noinline)) static long run(const insn *code) {
  static void *const labels[] = {&&l_step, &&l_self, &&l_halt};
  const insn *pc = code;
#define DISPATCH() goto *labels[pc->code]
  DISPATCH();
l_step:
  __atomic_fetch_add(&steps, 1, __ATOMIC_RELAXED);
  ++pc;
  DISPATCH();
l_self:
  safepoint::interrupt(safepoint::this_thread::handle(), Timeout{"e2e", 3});
  at = __atomic_load_n(&steps, __ATOMIC_RELAXED);
  ++pc;
  DISPATCH();
l_halt:
  return steps;
#undef DISPATCH
}

// Handlers run after SELF before the interrupt was thrown; -1 if never.
static long lateness(const insn *code) {
  try {
    consume(static_cast<unsigned long>(run(code)));
  } catch (Timeout &t) {
    CHECK(t.what == "e2e" && t.seconds == 3);
    return steps - at;
  }
  return -1;
}

int main() {
  const insn first[] = {{SELF}, {STEP}, {STEP}, {STEP}, {HALT}};
  const insn second[] = {{STEP}, {SELF}, {STEP}, {STEP}, {HALT}};
  const long a = lateness(first), b = lateness(second);
  CHECK(a >= 0 && a <= 1 && b >= 0 && b <= 1);
  std::printf("lateness min %ld max %ld\n", a < b ? a : b, a < b ? b : a);
  return 0;
}
