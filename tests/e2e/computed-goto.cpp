// An interpreter with threaded dispatch (GNU computed goto): every `goto *`
// polls, and with optimization each polled goto keeps its own copy of the
// dispatch (its own indirect jump), as without the plugin, and the handlers
// get a copy without polls that every other dispatch enters. The interpreter
// computes the same results, is interrupted inside its never-ending bytecode
// loop with the object alive in its frame destroyed, and the catch sees the
// interrupt, at every optimization level and with debug info.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O1 %s -o %t.O1 %sp_link && %t.O1
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 -g %s -o %t.O3 %sp_link && %t.O3
// RUN: %sp_clangxx -O2 -S -emit-llvm %s -o - | FileCheck %s
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass=safepoint 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: env SAFEPOINT_ABLATE=dispatch-alternate %sp_clangxx -O2 %s -o %t.noalt %sp_link && %t.noalt
// RUN: env SAFEPOINT_ABLATE=dispatch-dup,dispatch-alternate %sp_clangxx -O2 -S -emit-llvm %s -o - | FileCheck %s --check-prefix=ABLATED

#include "harness.h"

using namespace harness;

enum op : unsigned char { SET, ADD, DEC, JNZ, JMP, MARK, HALT };
struct insn {
  op code;
  int arg;
};

// Each handler ends in a polled goto with its own indirect jump (at least one
// per handler that dispatches; HALT returns).
// CHECK-LABEL: define {{.*}} @_ZL3runPK4insn(
// CHECK-COUNT-6: indirectbr
// ABLATED-LABEL: define {{.*}} @_ZL3runPK4insn(
// ABLATED-COUNT-1: indirectbr
// ABLATED-NOT: indirectbr
// ABLATED: {{^}}}
// REMARK: computed-goto.cpp:[[@LINE+3]]:{{[0-9]+}}: remark: dispatch of computed goto copied into {{[0-9]+}} polled gotos: each keeps its own indirect jump
// Then a second copy of the handlers, without the polls, alternates with them.
// REMARK: remark: computed gotos of 'run(insn const*)' poll at every second dispatch: 7 handlers copied without their dispatch polls
__attribute__((noinline)) static long run(const insn *code) {
  static void *const labels[] = {&&l_set, &&l_add, &&l_dec, &&l_jnz,
                                 &&l_jmp, &&l_mark, &&l_halt};
  Tracked frame(1);
  long acc = 0, r = 0;
  const insn *pc = code;
#define DISPATCH() goto *labels[pc->code]
  DISPATCH();
l_set:
  r = pc->arg;
  ++pc;
  DISPATCH();
l_add:
  acc += r;
  ++pc;
  DISPATCH();
l_dec:
  --r;
  ++pc;
  DISPATCH();
l_jnz:
  pc = r ? code + pc->arg : pc + 1;
  DISPATCH();
l_jmp:
  pc = code + pc->arg;
  DISPATCH();
l_mark:
  if (acc > 100000)
    reached();
  ++pc;
  DISPATCH();
l_halt:
  return acc;
#undef DISPATCH
}

int main() {
  // acc = n + (n-1) + ... + 1, for trip counts around and past nothing.
  for (int n : {1, 2, 3, 100, 12345}) {
    const insn sum[] = {{SET, n}, {ADD, 0}, {DEC, 0}, {JNZ, 1}, {HALT, 0}};
    CHECK(run(sum) == static_cast<long>(n) * (n + 1) / 2);
  }
  CHECK(balanced(1));

  // A bytecode loop that never ends: only the interrupt stops it.
  const insn forever[] = {{SET, 7}, {ADD, 0}, {MARK, 0}, {JMP, 1}};
  expect_caught([&] { consume(static_cast<unsigned long>(run(forever))); });
  CHECK(built[1] == 1 && destroyed[1] == 1);
  return 0;
}
