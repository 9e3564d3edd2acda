// SAFEPOINT_NO_INTERRUPTS marks functions with the plugin and compiles to
// nothing without it, with Clang and with GCC.
// RUN: %sp_clangxx -fsyntax-only -Werror %s
// RUN: %clangxx -fsyntax-only -Werror %s
// RUN: g++ -std=c++20 -I%S/../../runtime/include -fsyntax-only -Werror -Wall -Wextra %s
// RUN: %sp_clangxx -O1 -S -emit-llvm -o - %s | FileCheck %s

#include <safepoint/safepoint.hpp>

void work();

// The annotated function makes a may-throw call, so it is masked.
// CHECK-LABEL: define {{.*}}@_Z9annotatedv(
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:         @__safepoint_mask_depth
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:         ret void
SAFEPOINT_NO_INTERRUPTS void annotated() {
  for (int i = 0; i < 100; ++i)
    work();
}

void lambda_user() {
  auto l = []() SAFEPOINT_NO_INTERRUPTS { work(); };
  l();
}
