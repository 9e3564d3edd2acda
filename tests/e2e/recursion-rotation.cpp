// Recursion rotation (-O1 and up, not -Os): a small self-recursive function
// polls at its entry once per K levels; its K-1 copies in between have no
// entry poll. An interrupt still reaches a deep recursion, every destructor in
// every frame (F's and the copies') runs exactly once, the catch sees it, and
// an interrupt sent while the thread runs in a copy is delivered at the next
// poll: F's entry, at the next multiple of K levels (K = 1 at -O0 and -Os,
// where nothing is rotated).
// RUN: %sp_clangxx -O2 -DLEVELS=8 -c -o /dev/null -Rpass=safepoint %s 2>&1 | FileCheck %s
// RUN: %sp_clangxx -O0 -DLEVELS=1 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O1 -DLEVELS=8 %s -o %t.O1 %sp_link && %t.O1
// RUN: %sp_clangxx -O2 -DLEVELS=8 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 -DLEVELS=8 %s -o %t.O3 %sp_link && %t.O3
// RUN: %sp_clangxx -Os -DLEVELS=1 %s -o %t.Os %sp_link && %t.Os

// CHECK-DAG: remark: recursion of 'tree(int)' rotated through {{[1-7]}} copies
// CHECK-DAG: remark: recursion of 'chain(int)' rotated through 7 copies: one entry poll per 8 levels

#include "harness.h"

#include <safepoint/abi.h>

using namespace harness;

// A tree recursion that never ends (2^60 calls), two live objects around
// each of its two self-calls, interrupted at some point below depth 40.
static void tree(int depth) {
  Tracked a(3);
  if (depth >= 40)
    reached();
  if (depth < 60) {
    Tracked b(4);
    tree(depth + 1);
    tree(depth + 1);
  }
}

static int wait_depth; // the depth of chain that waits for the interrupt
static int deepest;    // the deepest call of chain past its entry poll

// Waits, interrupts deferred, until the interrupt is queued and the pending
// word that polls read is set (the sender sets it after queueing), then
// returns to its caller, which recurses on until the next poll.
__attribute__((noinline)) static void wait_for_interrupt() {
  safepoint::no_interrupts deferred;
  reached();
  while (!safepoint::interrupt_pending() ||
         __atomic_load_n(&__safepoint_pending, __ATOMIC_SEQ_CST) == 0)
    consume(0);
}

// One self-call with live objects: chain(0), called from outside, is F;
// depth 1 runs in F's first copy, ..., depth 8 in F again.
static void chain(int depth) {
  Tracked a(5);
  __atomic_store_n(&deepest, depth, __ATOMIC_RELAXED);
  if (depth == wait_depth)
    wait_for_interrupt();
  if (depth < 1000) {
    Tracked b(6);
    chain(depth + 1);
  }
}

// The depth of the first poll below a request made at depth d.
static int next_poll(int d) { return (d / LEVELS + 1) * LEVELS; }

// chain waits at depth d: the interrupt arrives in the function running
// there, and the call at next_poll(d) never gets past its entry poll.
static void expect_delivered_below(int d) {
  wait_depth = d;
  expect_caught([] { chain(0); });
  CHECK(deepest == next_poll(d) - 1);
  CHECK(built[5] == next_poll(d) && built[6] == next_poll(d));
}

int main() {
  expect_caught([] { tree(0); });
  expect_delivered_below(3);  // in the third copy: delivered at depth 8
  expect_delivered_below(8);  // in F (polled before the request): at 16
  expect_delivered_below(15); // in the last copy: the very next call polls
  return 0;
}
