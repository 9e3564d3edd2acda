// A bit-tree decoder's `while (symbol < 0x100)` loop: the symbol starts at 1
// and at least doubles, so the loop runs at most 9 iterations and loses its
// poll; the loop around it keeps its own, which delivers, with every
// destructor run; the same with the technique ablated, whose remarks show
// the poll kept.
// RUN: %sp_clangxx -O1 %s -o %t.O1 %sp_link && %t.O1
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: env SAFEPOINT_ABLATE=small-loops %sp_clangxx -O2 %s -o %t.ablated %sp_link && %t.ablated
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass-missed=safepoint 2>&1 | FileCheck %s
// RUN: env SAFEPOINT_ABLATE=small-loops %sp_clangxx -O2 -c %s -o /dev/null -Rpass-missed=safepoint 2>&1 | FileCheck %s --check-prefix=ABLATED

#include "harness.h"

using namespace harness;

static unsigned char bits[1024];

// Out of line, as a range decoder's bit decoding is (it may refill its
// buffer): a loop that calls it is not one that poll unrolling takes.
__attribute__((noinline)) static unsigned next_bit(unsigned long &k) {
  return bits[k++ & 1023] & 1;
}

// ABLATED-NOT: no poll in loop: it runs at most
__attribute__((noinline)) static unsigned long decode_forever() {
  Tracked inner(1);
  reached();
  unsigned long total = 0, k = 0;
  for (;;) {
    Tracked each(2);
    unsigned symbol = 1;
    // CHECK: small-loops.cpp:[[@LINE+1]]:{{[0-9]+}}: remark: no poll in loop: it runs at most {{[0-9]+}} iterations (a value that starts at 1 or more and at least doubles), bounded work
    while (symbol < 0x100)
      symbol = symbol << 1 | next_bit(k);
    total += symbol;
    consume(total);
  }
}

int main() {
  for (unsigned i = 0; i < sizeof bits; ++i)
    bits[i] = static_cast<unsigned char>(i * 37 >> 3);
  expect_caught([] { consume(decode_forever()); });
  CHECK(built[1] == 1 && built[2] >= 1);
  std::puts("small-loops: passed");
}
