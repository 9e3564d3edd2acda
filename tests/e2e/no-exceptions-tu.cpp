// A translation unit compiled with -fno-exceptions keeps its no-exceptions
// source meaning (no __EXCEPTIONS or __cpp_exceptions, try and throw are
// still errors) but is instrumented with unwind tables and cleanups: an
// interrupt thrown at one of its polls crosses it and runs its destructors,
// and an interrupt from code it calls crosses it the same way.
// RUN: rm -rf %t && split-file %s %t
// RUN: not %sp_clangxx -O1 -fno-exceptions -c %t/throws.cpp -o %t/throws.o 2>&1 | FileCheck %s --check-prefix=DIAG
// RUN: %sp_clangxx -O1 -fno-exceptions -Rpass=safepoint -c %t/noexc.cpp -o %t/noexc.O1.o 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %sp_clangxx -O1 -fno-exceptions -c %t/noexc.cpp -o /dev/null -Werror -Wall -Wextra 2>&1 | count 0
// RUN: %sp_clangxx -O1 %t/main.cpp %t/noexc.O1.o -o %t/O1 %sp_link && %t/O1
// RUN: %sp_clangxx -O0 -fno-exceptions -c %t/noexc.cpp -o %t/noexc.O0.o
// RUN: %sp_clangxx -O0 %t/main.cpp %t/noexc.O0.o -o %t/O0 %sp_link && %t/O0
// RUN: %sp_clangxx -O2 -fno-exceptions -fno-rtti -c %t/noexc.cpp -o %t/noexc.O2.o
// RUN: %sp_clangxx -O2 %t/main.cpp %t/noexc.O2.o -o %t/O2 %sp_link && %t/O2
// The old behaviour on request: the TU is left alone.
// RUN: %sp_clangxx -O1 -fno-exceptions -fplugin-arg-safepoint-skip-no-exceptions -Rpass-missed=safepoint -c %t/noexc.cpp -o %t/skip.o 2>&1 | FileCheck %s --check-prefix=SKIP
// RUN: llvm-nm %t/skip.o | FileCheck %s --check-prefix=SKIPSYMS
// RUN: llvm-nm %t/noexc.O1.o | FileCheck %s --check-prefix=SYMS

// DIAG: throws.cpp:2:10: error: cannot use 'throw' with exceptions disabled
// DIAG: throws.cpp:3:3: error: cannot use 'try' with exceptions disabled
// REMARK: remark: translation unit compiled without C++ exceptions: instrumented with unwind tables and cleanups
// SKIP: remark: translation unit not instrumented: it is compiled without C++ exceptions and -fplugin-arg-safepoint-skip-no-exceptions was given
// SKIPSYMS-NOT: __safepoint_
// SYMS: U __gxx_personality_v0
// SYMS: U __safepoint_abi_v1
// SYMS: U __safepoint_poll_slow

//--- throws.cpp
void f(int x) {
  if (x) throw x;
  try { f(x - 1); } catch (...) {}
}

//--- noexc.cpp
// No Safepoint header here: it needs exceptions. The counters and the
// handshake live in main.cpp.
#if defined(__EXCEPTIONS) || defined(__cpp_exceptions) || __has_feature(cxx_exceptions)
#error "the source must still see exceptions disabled"
#endif
#include <string>
#include <vector>

void note_built(int tag);
void note_destroyed(int tag);
void noexc_reached();
void noexc_consume(unsigned long v);

struct Local {
  int tag;
  explicit Local(int t) : tag(t) { note_built(t); }
  ~Local() { note_destroyed(tag); }
  Local(const Local &) = delete;
};

// An interrupt at this loop's poll unwinds through 'a', 'text' and 'parts'.
unsigned long spin_noexc(unsigned long x) {
  Local a(1);
  std::string text(1000, 'x'); // heap-allocated: a leak would show
  std::vector<std::string> parts(3, text);
  for (;;) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    noexc_consume(x + parts.size());
    noexc_reached();
  }
}

// An interrupt thrown inside callback() (compiled with exceptions) unwinds
// through this frame and destroys 'b'.
unsigned long call_through(unsigned long (*callback)(unsigned long)) {
  Local b(4);
  std::string owned(2000, 'y');
  return callback(owned.size());
}

//--- main.cpp
#include "harness.h"
using namespace harness;

unsigned long spin_noexc(unsigned long x);
unsigned long call_through(unsigned long (*callback)(unsigned long));

void note_built(int tag) { __atomic_fetch_add(&built[tag], 1, __ATOMIC_RELAXED); }
void note_destroyed(int tag) { __atomic_fetch_add(&destroyed[tag], 1, __ATOMIC_RELAXED); }
void noexc_reached() { reached(); }
void noexc_consume(unsigned long v) { consume(v); }

unsigned long spin_here(unsigned long x) {
  Tracked c(5);
  for (;;) {
    consume(x++);
    reached();
  }
}

int main() {
  reset();
  // Thrown at a poll inside the -fno-exceptions TU.
  bool caught = false;
  interrupt_when_reached([&] {
    Tracked outer(2);
    try {
      Tracked inner(3);
      spin_noexc(88172645463325252ul);
    } catch (Timeout &t) {
      CHECK(t.what == "e2e" && t.seconds == 3);
      CHECK(destroyed[1] == 1 && destroyed[3] == 1 && destroyed[2] == 0);
      caught = true;
    }
  });
  CHECK(caught);
  CHECK(balanced(1) && balanced(2) && balanced(3) && built[1] == 1);

  // Thrown in code the -fno-exceptions TU calls.
  caught = false;
  interrupt_when_reached([&] {
    try {
      call_through(spin_here);
    } catch (Timeout &t) {
      CHECK(destroyed[4] == 1 && destroyed[5] == 1);
      caught = true;
    }
  });
  CHECK(caught);
  CHECK(balanced(4) && balanced(5) && built[4] == 1);
  std::puts("no-exceptions-tu: passed");
}
