// -Rpass=safepoint reports every poll placed, -Rpass-missed=safepoint every
// poll left out with the reason (never about system headers). Without them the plugin prints nothing, so
// -Werror builds are unaffected.
// RUN: %sp_clangxx -O1 -c -o /dev/null -Werror -Wall -Wextra %s 2>&1 | count 0
// RUN: %sp_clangxx -O1 -c -o /dev/null -Rpass=safepoint %s 2>&1 | FileCheck %s --check-prefix=PASS
// RUN: %sp_clangxx -O1 -c -o /dev/null -Rpass-missed=safepoint %s 2>&1 | FileCheck %s --check-prefix=MISSED --implicit-check-not=c++config.h

void work();

// PASS-DAG: remarks.cpp:[[@LINE+3]]:26: remark: poll at function entry in 'loops(int, int)' [-Rpass=safepoint]
// PASS-DAG: remarks.cpp:[[@LINE+3]]:3: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'loops(int, int)' [-Rpass=safepoint]
// PASS-DAG: remarks.cpp:[[@LINE+4]]:3: remark: poll at loop back-edge in 'loops(int, int)' [-Rpass=safepoint]
void loops(int n, int m) {
  for (int i = 0; i < n; ++i)
    work();
  while (m-- > 0)
    work();
}

// MISSED-DAG: remarks.cpp:[[@LINE+2]]:3: remark: no poll in loop: it runs 16 iterations, bounded work
void bounded() {
  for (int i = 0; i < 16; ++i)
    work();
}

// PASS-DAG: remarks.cpp:[[@LINE+5]]:5: remark: poll at backward goto in 'goto_(int)'
void goto_(int n) {
again:
  if (n-- > 0) {
    work();
    goto again;
  }
}

// MISSED-DAG: remarks.cpp:[[@LINE+1]]:6: remark: no polls in 'nothrow': it is noexcept; interrupts are deferred while it runs [-Rpass-missed=safepoint]
void nothrow() noexcept { work(); }

// MISSED-DAG: remarks.cpp:[[@LINE+2]]:35: remark: no polls in 'attributed': it is {{\[\[}}no_interrupts]]
// PASS-DAG: remarks.cpp:[[@LINE+1]]:1: remark: interrupts masked while 'attributed()' runs: it may call code with polls
[[safepoint::no_interrupts]] void attributed() { work(); }

// MISSED-DAG: remarks.cpp:[[@LINE+1]]:17: remark: no poll at entry of 'leaf(int)': it cannot recurse without polling and does bounded work before its first poll
int leaf(int x) { return x * 2; }

// MISSED-DAG: remarks.cpp:[[@LINE+3]]:5: remark: no poll in loop inside a catch handler (cleanup code)
void handler() {
  try { work(); } catch (...) {
    for (int i = 0; i < 2; ++i)
      work();
  }
}

#include <csetjmp>
// MISSED-DAG: remarks.cpp:[[@LINE+1]]:6: remark: no polls in 'jumps': it calls a returns_twice function
void jumps(std::jmp_buf b) {
  if (setjmp(b) == 0)
    for (;;) work();
}
