// The loop lives in another translation unit; the caller's cleanups and
// handlers still see the interrupt.
// RUN: rm -rf %t && split-file %s %t
// RUN: %sp_clangxx -O0 -c %t/loop.cpp -o %t/loop.O0.o
// RUN: %sp_clangxx -O0 %t/main.cpp %t/loop.O0.o -o %t/O0 %sp_link && %t/O0
// RUN: %sp_clangxx -O2 -c %t/loop.cpp -o %t/loop.O2.o
// RUN: %sp_clangxx -O2 %t/main.cpp %t/loop.O2.o -o %t/O2 %sp_link && %t/O2
// RUN: %sp_clangxx -O3 -c %t/loop.cpp -o %t/loop.O3.o
// RUN: %sp_clangxx -O3 %t/main.cpp %t/loop.O3.o -o %t/O3 %sp_link && %t/O3

//--- loop.cpp
#include "harness.h"
using namespace harness;

// Compiled alone, this function has no throwing call but its polls.
void spin(unsigned long x) {
  Tracked a(1);
  for (;;) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    consume(x);
    reached();
  }
}

//--- main.cpp
#include "harness.h"
using namespace harness;

void spin(unsigned long x);

int main() {
  reset();
  bool caught = false;
  interrupt_when_reached([&] {
    Tracked outer(2);
    try {
      Tracked inner(3);
      spin(88172645463325252ul);
    } catch (Timeout &t) {
      CHECK(t.what == "e2e");
      CHECK(destroyed[3] == 1 && destroyed[2] == 0);
      caught = true;
    }
  });
  CHECK(caught);
  CHECK(balanced(1) && balanced(2) && balanced(3) && built[1] == 1);
  std::puts("eh-cross-tu: passed");
}
