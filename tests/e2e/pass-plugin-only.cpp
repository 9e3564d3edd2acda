// -fpass-plugin alone (no Clang plugin): entry polls only, placed where IR
// alone proves them EH-correct. Recursion and call chains are interruptible
// and every destructor runs; loops without calls are not (docs/usage.md).
// RUN: %clangxx -O0 -fpass-plugin=%pass_plugin %s -o %t.O0 %sp_link && %t.O0
// RUN: %clangxx -O2 -fpass-plugin=%pass_plugin %s -o %t.O2 %sp_link && %t.O2

#include "harness.h"

using namespace harness;

__attribute__((noinline)) static void tree(int depth) {
  Tracked t(1);
  reached();
  if (depth < 60) {
    tree(depth + 1);
    tree(depth + 1);
  }
}

int main() {
  reset();
  bool caught = false;
  interrupt_when_reached([&] {
    Tracked outer(2);
    try {
      tree(0);
    } catch (Timeout &t) {
      CHECK(t.what == "e2e" && destroyed[2] == 0);
      caught = true;
    }
  });
  CHECK(caught);
  CHECK(balanced(1) && balanced(2));
  std::puts("pass-plugin-only: passed");
}
