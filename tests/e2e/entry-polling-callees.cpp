// Mutual recursion without a loop: one of ping and pong keeps its entry poll,
// and the other drops its own, because its only call goes to a function that
// polls at its entry. The recursion runs until interrupted ([[clang::musttail]]
// keeps the stack flat at every optimization level), and the interrupt
// arrives through the entry poll that stayed, with every destructor run.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass=safepoint -Rpass-missed=safepoint 2>&1 | FileCheck %s

#include "harness.h"

using namespace harness;

static unsigned long pong(unsigned long n);

// CHECK-DAG: remark: poll at function entry in '{{ping|pong}}(unsigned long)'
// CHECK-DAG: remark: no poll at entry of '{{ping|pong}}(unsigned long)': it cannot recurse without polling
__attribute__((noinline)) static unsigned long ping(unsigned long n) {
  consume(n);
  [[clang::musttail]] return pong(n + 1);
}

__attribute__((noinline)) static unsigned long pong(unsigned long n) {
  if (n == 1001)
    reached();
  [[clang::musttail]] return ping(n + 1);
}

int main() {
  expect_caught([] {
    Tracked inner(1);
    consume(ping(0));
  });
  CHECK(built[1] == 1);
  std::puts("entry-polling-callees: passed");
}
