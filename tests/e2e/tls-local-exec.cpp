// -fplugin-arg-safepoint-tls=local-exec declares the runtime's TLS words
// local-exec: a poll is one compare against the thread pointer, with no
// register holding the word's offset. The executable, linked with the static
// runtime, is interrupted as usual at -O0 and -O2. Misuse is caught: -fPIC
// code (for a shared object) gets a compiler error, an executable linked
// with the shared runtime a linker error naming the word, and an unknown
// argument a compiler error listing the valid ones.
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-tls=local-exec -S -emit-llvm %s -o - | FileCheck %s --check-prefix=IR
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-tls=local-exec -S %s -o - | FileCheck %s --check-prefix=ASM
// RUN: %sp_clangxx -O2 -S -emit-llvm %s -o - | FileCheck %s --check-prefix=DEFAULT
// RUN: %sp_clangxx -O0 -fplugin-arg-safepoint-tls=local-exec %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-tls=local-exec %s -o %t.O2 %sp_link && %t.O2
// RUN: not %sp_clangxx -O2 -fPIC -fplugin-arg-safepoint-tls=local-exec -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIC
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-tls=local-exec -c %s -o %t.o
// RUN: not %clangxx %t.o -o %t.shared %sp_link_shared 2>&1 | FileCheck %s --check-prefix=SHARED
// RUN: not %sp_clangxx -fplugin-arg-safepoint-tls=global-dynamic -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
//
// IR: @__safepoint_pending = external thread_local(localexec) global i32
// ASM-LABEL: _ZL4spinPm:
// ASM: cmpl $0, %fs:__safepoint_pending@TPOFF
// DEFAULT: @__safepoint_pending = external thread_local(initialexec) global i32
// PIC: error: safepoint: tls=local-exec is for code linked into an executable with the static runtime, and this is -fPIC code (for a shared object); drop the option or compile with -fPIE
// SHARED: R_X86_64_TPOFF32 relocation against symbol `__safepoint_pending'
// UNKNOWN: error: safepoint: unknown plugin argument 'tls=global-dynamic' (expected placement=naive, placement=default, tls=local-exec, tls=initial-exec or skip-no-exceptions)

#include "harness.h"

using namespace harness;

// A loop that never ends: only the interrupt stops it.
__attribute__((noinline)) static void spin(unsigned long *n) {
  Tracked frame(1);
  for (;;) {
    ++*n;
    if (*n == 1000)
      reached();
  }
}

int main() {
  unsigned long n = 0;
  expect_caught([&] { spin(&n); });
  CHECK(n >= 1000);
  return 0;
}
