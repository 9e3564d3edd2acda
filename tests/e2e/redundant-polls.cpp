// The entry polls of callees inlined into a loop run a few instructions
// after the loop's own poll: they are removed, and the loop's poll still
// delivers, through the loop's landing pad, with every destructor run; the
// same with the technique ablated, whose remarks show the polls kept.
// RUN: %sp_clangxx -O1 %s -o %t.O1 %sp_link && %t.O1
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: env SAFEPOINT_ABLATE=redundant-polls %sp_clangxx -O2 %s -o %t.ablated %sp_link && %t.ablated
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass-missed=safepoint 2>&1 | FileCheck %s
// RUN: env SAFEPOINT_ABLATE=redundant-polls %sp_clangxx -O2 -c %s -o /dev/null -Rpass-missed=safepoint 2>&1 | FileCheck %s --check-prefix=ABLATED

#include "harness.h"

using namespace harness;

// Weak, so replaceable at link time: no caller can bound its work, and a
// function that calls it keeps its entry poll.
__attribute__((weak, noinline)) unsigned long mix(unsigned long x) noexcept {
  return x * 2654435761u + 1;
}

inline unsigned long step(unsigned long x) { return mix(x) ^ (x >> 7); }

// CHECK-COUNT-4: remark: poll removed in 'churn(unsigned long)': another poll ran at most {{[0-9]+}} instructions before it
// CHECK-NOT: poll removed in 'churn
// ABLATED-NOT: poll removed
__attribute__((noinline)) static unsigned long churn(unsigned long x) {
  Tracked inner(1);
  reached();
  for (;;) {
    Tracked each(2);
    x = step(x);
    x = step(x);
    x = step(x);
    x = step(x);
    consume(x);
  }
}

int main() {
  expect_caught([] { consume(churn(1)); });
  CHECK(built[1] == 1 && built[2] >= 1);
  std::puts("redundant-polls: passed");
}
