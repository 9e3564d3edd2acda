// Instrumented code needs the runtime: static (%sp_link) or shared
// (%sp_link_shared). Without it the link fails, naming a __safepoint_
// symbol (docs/retrofitting.md, "Linking the runtime", names the fix).
// RUN: rm -rf %t && split-file %s %t && mkdir -p %t/lib
// RUN: %sp_clangxx -O1 -fPIC -c %t/lib.cpp -o %t/lib.o
// RUN: %sp_clangxx -O1 -c %t/main.cpp -o %t/main.o
// RUN: %clangxx -O1 -c %t/plain-main.cpp -o %t/plain-main.o

// Static runtime: nothing to find at run time.
// RUN: %clangxx %t/main.o %t/lib.o -o %t/static %sp_link && %t/static
// RUN: llvm-readelf -d %t/static | FileCheck %s --check-prefix=STATIC
// STATIC-NOT: libsafepoint.so

// Shared runtime.
// RUN: %clangxx %t/main.o %t/lib.o -o %t/shared %sp_link_shared && %t/shared
// RUN: llvm-readelf -d %t/shared | FileCheck %s --check-prefix=SHARED
// SHARED: NEEDED{{.*}}libsafepoint.so

// An instrumented shared library that depends on the shared runtime: its
// users need not know about Safepoint.
// RUN: %clangxx -shared %t/lib.o -o %t/lib/libwork.so -Wl,--no-undefined %sp_link_shared
// RUN: %clangxx %t/main.o -o %t/via-lib -L%t/lib -Wl,-rpath,%t/lib -lwork %sp_link_shared && %t/via-lib
// RUN: %clangxx %t/plain-main.o -o %t/plain-via-lib -L%t/lib -Wl,-rpath,%t/lib -lwork && %t/plain-via-lib | FileCheck %s --check-prefix=PLAIN
// PLAIN: plain: 499500

// No runtime: the link fails and names the missing ABI symbols.
// RUN: not %clangxx %t/plain-main.o %t/lib.o -o %t/missing 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING-DAG: undefined reference to `__safepoint_abi_v1'
// MISSING-DAG: undefined reference to `__safepoint_poll_
// RUN: not %clangxx -shared %t/lib.o -o %t/libstrict.so -Wl,--no-undefined 2>&1 | FileCheck %s --check-prefix=MISSING
// An instrumented shared library built without the runtime fails when the
// program is linked, not when it runs.
// RUN: %clangxx -shared %t/lib.o -o %t/lib/libloose.so
// RUN: not %clangxx %t/plain-main.o -o %t/loose -L%t/lib -lloose 2>&1 | FileCheck %s --check-prefix=LOOSE
// LOOSE: libloose.so: undefined reference to `__safepoint_

//--- lib.cpp
#include "harness.h"
using namespace harness;
// Instrumented: the loop polls.
unsigned long sum_to(unsigned long n) {
  Tracked t(1);
  unsigned long s = 0;
  for (unsigned long i = 0; i < n; ++i) {
    s += i;
    consume(s);
    if (n == ~0ul)
      reached();
  }
  return s;
}

//--- plain-main.cpp
// Not instrumented and never interrupts: uses no runtime function itself.
#include <cstdio>
unsigned long sum_to(unsigned long n);
int main() { std::printf("plain: %lu\n", sum_to(1000)); }

//--- main.cpp
#include "harness.h"
using namespace harness;
unsigned long sum_to(unsigned long n);
int main() {
  reset();
  CHECK(sum_to(1000) == 499500);
  bool caught = false;
  interrupt_when_reached([&] {
    try {
      sum_to(~0ul);
    } catch (Timeout &) {
      caught = true;
    }
  });
  CHECK(caught && balanced(1));
  std::puts("runtime-linking: passed");
}
