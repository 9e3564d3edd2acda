// A bit-tree decoder's `while (symbol < 0x100)` loop: the symbol starts at 1
// and at least doubles, so the loop runs at most 9 iterations and loses its
// poll; the loop around it keeps its own, which delivers, with every
// destructor run; the same with the technique ablated, whose remarks show
// the poll kept. And a strip-mined loop whose body inlines a function that
// keeps its entry poll: that poll goes from the chunk's inner loop, the
// chunk poll delivers.
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

static volatile unsigned long refill_size = 8;

// A loop of unknown length: it polls in its loop, not at its entry.
__attribute__((noinline)) static unsigned long refill(unsigned long k) {
  unsigned long s = 0;
  for (unsigned long i = 0; i < refill_size; ++i)
    s += bits[(k + i) & 1023];
  return s;
}

// Inlined, with its entry poll (the remark below points here): its call to
// refill() is neither a small call tree nor a call to a function that
// polls at its entry.
static inline unsigned long step(unsigned long &k) {
  if (((k += 3) & 255) == 0)
    return refill(k);
  return bits[k & 1023];
}

// CHECK: small-loops.cpp:[[@LINE-6]]:{{[0-9]+}}: remark: no poll in loop: it runs at most {{[0-9]+}} iterations (its chunk), bounded work
// ABLATED-NOT: no poll in loop: it runs at most
__attribute__((noinline)) static unsigned long chunked_forever(int n) {
  Tracked inner(3);
  reached();
  unsigned long total = 0, k = 0;
  for (;;) {
    Tracked each(4);
    for (int i = 0; i < n; ++i)
      total += step(k);
    consume(total);
  }
}

int main() {
  for (unsigned i = 0; i < sizeof bits; ++i)
    bits[i] = static_cast<unsigned char>(i * 37 >> 3);
  expect_caught([] { consume(decode_forever()); });
  CHECK(built[1] == 1 && built[2] >= 1);
  expect_caught([] { consume(chunked_forever(100000)); });
  CHECK(built[3] == 1 && built[4] >= 1);
  std::puts("small-loops: passed");
}
