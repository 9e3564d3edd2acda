// The work budget: a loop of 1000 iterations of a heavy body (over 70,000
// instructions in all) is not bounded work, so it is strip-mined and polls
// once per chunk. An interrupt already pending when the loop starts is
// thrown before its first iteration, with every destructor run; with the
// budget ablated the loop has no poll and runs to its end before the
// interrupt is thrown, which the test reports as a failure.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: env SAFEPOINT_ABLATE=work-budget %sp_clangxx -O2 %s -o %t.ablated %sp_link && not %t.ablated

#include "harness.h"

using namespace harness;

static int a[256], b[256];
static int last = -1; // the last iteration the loop started
static bool sent;

#define STEP(k) s = s * (k) + a[i & 255] * b[(i + k) & 255] - (s >> 3);
#define STEPS8(k)                                                              \
  STEP(k) STEP(k + 1) STEP(k + 2) STEP(k + 3) STEP(k + 4) STEP(k + 5)          \
      STEP(k + 6) STEP(k + 7)

// Waits, masked, until the main thread has sent the interrupt.
[[safepoint::no_interrupts]] static void wait_until_sent() {
  reached();
  while (!__atomic_load_n(&sent, __ATOMIC_ACQUIRE)) {
  }
}

__attribute__((noinline)) static int heavy() {
  Tracked alive(1);
  wait_until_sent();
  int s = 0;
  for (int i = 0; i < 1000; ++i) {
    __atomic_store_n(&last, i, __ATOMIC_RELAXED);
    STEPS8(1)
  }
  return s;
}

int main() {
  for (int i = 0; i < 256; ++i) {
    a[i] = i * 7 + 1;
    b[i] = i * 3 + 2;
  }
  reset();
  bool caught = false;
  safepoint::thread t([&] {
    try {
      consume(static_cast<unsigned long>(heavy()));
      safepoint::poll(); // where the ablated build throws, after the loop
    } catch (Timeout &e) {
      CHECK(e.what == "e2e" && e.seconds == 3);
      caught = true;
    }
  });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  CHECK(t.interrupt(Timeout{"e2e", 3}));
  __atomic_store_n(&sent, true, __ATOMIC_RELEASE);
  t.join();
  CHECK(caught);
  CHECK(balanced(1));
  std::printf("work-budget: thrown after iteration %d of 1000\n", last);
  CHECK(last < 999);
  std::puts("work-budget: passed");
}
