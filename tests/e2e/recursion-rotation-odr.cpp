// An inline recursive function used by two translation units. Each unit's
// copies of it are its own: internal and in no comdat. Whichever unit's F the
// linker keeps, the callers into which the other unit inlined F still reach
// that unit's copies (had they been in F's comdat, they would be discarded
// under those callers: "relocation refers to a discarded section").
// RUN: rm -rf %t && split-file %s %t
// RUN: %sp_clangxx -O2 -c %t/a.cpp -o %t/a.o
// RUN: %sp_clangxx -O2 -c %t/b.cpp -o %t/b.o
// RUN: %sp_clangxx -Os -c %t/b.cpp -o %t/b.Os.o
// use_a calls F's copies directly (F inlined), so the test means something.
// RUN: llvm-objdump -dr %t/a.o | FileCheck %s
// Either unit's F prevails, also one built at -Os, which has no copies.
// RUN: %sp_clangxx %t/a.o %t/b.o -o %t/ab %sp_link && %t/ab
// RUN: %sp_clangxx %t/b.o %t/a.o -o %t/ba %sp_link && %t/ba
// RUN: %sp_clangxx %t/b.Os.o %t/a.o -o %t/osa %sp_link && %t/osa

// CHECK-LABEL: <_Z5use_ai>:
// CHECK-NOT:   {{^[0-9a-f]+ <}}
// CHECK:       _Z3fibi.rot{{[1-7]}}

//--- fib.h
inline long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

//--- a.cpp
#include "fib.h"
long use_a(int n) { return fib(n); }

//--- b.cpp
#include "fib.h"
long use_a(int n);
long use_b(int n) { return fib(n); }
int main(int argc, char **) {
  return use_a(argc + 19) == 6765 && use_b(argc + 19) == 6765 ? 0 : 1;
}
