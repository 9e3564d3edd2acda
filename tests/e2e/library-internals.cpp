// Library code in system headers gets no entry polls: libstdc++'s internal
// helpers are written assuming they do not throw (std::string frees its old
// buffer, then calls a setter), so an interrupt there would leave the string
// half-updated (a double free). Even with naive placement, a string-heavy
// loop interrupted hundreds of times stays intact.
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-placement=naive -c %s -o /dev/null -Rpass=safepoint 2>&1 | FileCheck %s --implicit-check-not="function entry in 'std::"
// RUN: %sp_clangxx -O2 -fplugin-arg-safepoint-placement=naive %s -o %t %sp_link && %t

// CHECK: remark: poll at loop back-edge in 'build{{.*}}(int)'

#include "harness.h"

#include <string>

using namespace harness;

static std::string build(int rep) {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += "word";
    text += std::to_string(i * rep);
    text += ',';
    reached();
  }
  return text;
}

int main() {
  unsigned long total = 0;
  for (int round = 0; round < 300; ++round) {
    bool caught = false;
    interrupt_when_reached([&] {
      try {
        for (int rep = 1;; ++rep)
          total += build(rep).size();
      } catch (Timeout &) {
        caught = true;
      }
    });
    CHECK(caught);
  }
  consume(total);
  std::puts("library-internals: passed");
}
