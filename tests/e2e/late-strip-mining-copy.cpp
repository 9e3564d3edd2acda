// A loop over an array the function has just allocated, bounded by a field
// (lzip's `for (i = 0; i < num_prev_positions; ++i) prev_positions[i] = 0;`):
// without the plugin, AA knows the fresh pointer apart from the field and the
// loop vectorizes. The poll's slow path reloads the pointer (a handshake may
// change it), so the chunks keep the fresh pointer and a slow path that finds
// another one continues in a polled copy of the loop. The loop vectorizes as
// without the plugin; a handshake that swaps the array at the first chunk's
// poll sends the remaining iterations to the new array, none lost or done
// twice; an interrupt at that poll runs every destructor.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 -march=x86-64-v2 %s -o %t.O3 %sp_link && %t.O3
// RUN: %sp_clangxx -O2 -g -c %s -o /dev/null
// RUN: %sp_clangxx -O2 -c %s -o /dev/null '-Rpass=loop-vectorize|safepoint' 2>&1 | FileCheck %s --check-prefixes=VEC,SP
// RUN: %clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=VEC
// RUN: env SAFEPOINT_ABLATE=strip-mine-version %sp_clangxx -O2 -c %s -o /dev/null -Rpass=loop-vectorize 2>&1 | FileCheck %s --check-prefix=ABLATED --allow-empty

#include "harness.h"

#include <safepoint/handshake.hpp>

#include <memory>

using namespace harness;

// Tables register themselves: `this` escapes, so the poll's slow path may
// change `data` and reloads it.
struct Table;
Table *last_table;

struct Table {
  int n; // the same type as the elements: TBAA cannot tell them apart
  int *data;
  // ABLATED-NOT: late-strip-mining-copy.cpp:[[@LINE+6]]:{{.*}} remark: vectorized loop
  // SP: late-strip-mining-copy.cpp:[[@LINE+5]]:{{[0-9]+}}: remark: loop strip-mined after optimization
  // VEC: late-strip-mining-copy.cpp:[[@LINE+4]]:{{[0-9]+}}: remark: vectorized loop
  __attribute__((noinline)) explicit Table(int n) : n(n) {
    last_table = this;
    data = new int[n];
    for (int i = 0; i < this->n; ++i)
      data[i] = 7;
  }
  ~Table() { delete[] data; }
};

// The same loop with a live object and a handshake of its own: `swap` runs
// at the loop's first poll, which the chunks put after 1024 iterations.
struct Swapped {
  int n;
  int *data;
  Swapped(int n, std::function<void(Swapped &)> swap) : n(n) {
    Tracked live(1);
    auto swapped = safepoint::run_on(safepoint::this_thread::handle(),
                                     [this, swap] { swap(*this); });
    data = new int[n]();
    for (int i = 0; i < this->n; ++i)
      data[i] = 7;
  }
};

// How far the loop got in `first`: a prefix of it is filled, nothing else;
// the rest of the iterations, if \p rest, filled the rest of `second`.
static int split(const int *first, const int *second, int n,
                  bool rest = true) {
  int k = 0;
  while (k < n && first[k] == 7)
    ++k;
  for (int i = 0; i < n; ++i)
    CHECK(first[i] == (i < k ? 7 : 0) && second[i] == (i >= k && rest ? 7 : 0));
  return k;
}

// Where the swap is seen: strip-mined (optimized), at the end of the first
// chunk, between the first and the last iteration; at -O0, at the first
// iteration's poll, before any.
static bool swapped_at_first_chunk(int k, int n) {
#ifdef __OPTIMIZE__
  return k > 0 && k < n;
#else
  (void)n;
  return k == 0;
#endif
}

int main() {
  for (int n : {0, 1, 1023, 1024, 1025, 5000}) {
    Table t(n);
    for (int i = 0; i < n; ++i)
      CHECK(t.data[i] == 7);
  }

  const int n = 5000;
  auto spare = std::make_unique<int[]>(n);
  int *first = nullptr;
  safepoint::thread swapper([&] {
    Swapped s(n, [&](Swapped &s) {
      first = s.data;
      s.data = spare.get();
    });
    CHECK(s.data == spare.get());
  });
  swapper.join();
  int k = split(first, spare.get(), n);
  CHECK(swapped_at_first_chunk(k, n));
  delete[] first;

  // An interrupt sent by the handshake is delivered at the same poll, before
  // the loop goes on in either array, and runs every destructor.
  reset();
  auto other = std::make_unique<int[]>(n);
  bool caught = false;
  safepoint::thread interrupted([&] {
    try {
      Swapped s(n, [&](Swapped &s) {
        first = s.data;
        s.data = other.get();
        safepoint::interrupt(safepoint::this_thread::handle(),
                             Timeout{"e2e", 3});
      });
    } catch (Timeout &t) {
      CHECK(t.what == "e2e" && t.seconds == 3);
      caught = true;
    }
  });
  interrupted.join();
  CHECK(caught && built[1] == 1 && balanced(1));
  // Nothing was written after the poll that threw.
  k = split(first, other.get(), n, /*rest=*/false);
  CHECK(swapped_at_first_chunk(k, n));
  delete[] first;
  std::puts("late-strip-mining-copy: passed");
}
