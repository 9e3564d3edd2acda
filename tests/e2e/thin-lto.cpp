// ThinLTO (-flto=thin): clang's pre-link pipeline ends before the vectorizer,
// whose part of the pipeline runs in the linker, which does not load the
// plugin. The passes that run just before the vectorizer (strip-mining in
// IR, load promotion) run at the end of the pre-link pipeline instead: the
// linker's optimizer (gold's LLVM plugin, no Safepoint) finds the loop
// already strip-mined and vectorizes it, and the program is still
// interrupted inside it, every destructor run.
// RUN: %sp_clangxx -O2 -gline-tables-only -flto=thin -c %s -o %t.o -Rpass=safepoint 2>&1 | FileCheck %s --check-prefix=PRELINK
// RUN: %sp_clangxx -O2 -flto=thin -fuse-ld=gold %t.o -o %t %sp_link -Wl,-plugin-opt=-pass-remarks=loop-vectorize 2>&1 | FileCheck %s --check-prefix=LINK
// RUN: %t
// Pre-link, a slow call never goes to the preserve_most entry point that may
// throw, because the link may inline it into an invoke (docs/abi.md,
// __safepoint_poll_slow_preserve): every slow call is split into the check,
// which cannot throw, and the C-convention raise. So for full LTO.
// RUN: %sp_clangxx -O2 -flto=thin -S -emit-llvm %s -o - | FileCheck %s --check-prefix=SPLIT
// RUN: %sp_clangxx -O2 -flto -S -emit-llvm %s -o - | FileCheck %s --check-prefix=SPLIT
// SPLIT-NOT: {{call|invoke}} {{.*}}@__safepoint_poll_slow
// SPLIT:     call preserve_mostcc i32 @__safepoint_poll_check_preserve()
// SPLIT:     call void @__safepoint_poll_raise()
// SPLIT-NOT: {{call|invoke}} {{.*}}@__safepoint_poll_slow

#include "harness.h"

using namespace harness;

struct Span {
  const int *p;
  long n;
};

// PRELINK: thin-lto.cpp:[[@LINE+4]]:{{[0-9]+}}: remark: loop strip-mined after optimization
// LINK: thin-lto.cpp:[[@LINE+3]]:{{[0-9]+}}: vectorized loop
__attribute__((noinline)) static long sum(const Span &s) {
  long t = 0;
  for (long i = 0; i < s.n; ++i)
    t += s.p[i];
  return t;
}

int main() {
  static int a[5000];
  for (int i = 0; i < 5000; ++i)
    a[i] = i % 7;
  long expect = 0;
  for (int i = 0; i < 5000; ++i)
    expect += i % 7;
  CHECK(sum(Span{a, 5000}) == expect);
  expect_caught([&] {
    Tracked t(1);
    for (;;) {
      reached();
      consume(static_cast<unsigned long>(sum(Span{a, 5000})));
    }
  });
  std::puts("thin-lto: passed");
}
