// Loops that keep a poll in every iteration because they stay scalar (a
// linked-list walk, a gather through an index array, a match extended while
// two strings agree, which tests before its poll) are unrolled, with the
// poll in the first copy: the walk and the match, a few instructions, by
// eight, the gather by four. Each is interrupted while it runs for
// ever, with a tracked object alive in it and one outside: the first copy's
// poll delivers, through the loop's own landing pad, and every destructor
// runs; the same with the technique ablated.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O3 %s -o %t.O3 %sp_link && %t.O3
// RUN: env SAFEPOINT_ABLATE=poll-unroll %sp_clangxx -O2 %s -o %t.ablated %sp_link && %t.ablated
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass=safepoint 2>&1 | FileCheck %s
// RUN: env SAFEPOINT_ABLATE=poll-unroll %sp_clangxx -O2 -c %s -o /dev/null -Rpass=safepoint 2>&1 | FileCheck %s --check-prefix=ABLATED

#include "harness.h"

#include <climits>
#include <vector>

using namespace harness;

struct node {
  node *next;
  unsigned long value;
};

// ABLATED-NOT: unrolled
// CHECK: poll-unrolling.cpp:[[@LINE+5]]:{{[0-9]+}}: remark: loop unrolled by 8, one poll per 8 iterations
__attribute__((noinline)) static unsigned long walk(const node *p) {
  Tracked inner(1);
  reached();
  unsigned long s = 0;
  while (p) {
    s += p->value;
    consume(s);
    p = p->next;
  }
  return s;
}

// CHECK: poll-unrolling.cpp:[[@LINE+8]]:{{[0-9]+}}: remark: loop unrolled by 4, one poll per 4 iterations
__attribute__((noinline)) static double gather(const double *val,
                                               const unsigned *col,
                                               const double *x, unsigned long k,
                                               unsigned long end) {
  Tracked inner(2);
  reached();
  double s = 0;
  while (k != end) {
    s += val[k & 1023] * x[col[k & 1023]];
    consume(k);
    ++k;
  }
  return s;
}

// A loop that tests before its poll (the poll is the body's first
// statement, after the condition): unrolled too.
// CHECK: poll-unrolling.cpp:[[@LINE+7]]:{{[0-9]+}}: remark: loop unrolled by 8, one poll per 8 iterations
__attribute__((noinline)) static unsigned long match(const unsigned char *a,
                                                     const unsigned char *b,
                                                     unsigned long len,
                                                     unsigned long limit) {
  Tracked inner(3);
  reached();
  while (++len < limit && a[len & 1023] == b[len & 1023])
    consume(len);
  return len;
}

int main() {
  // A list that never ends: a ring of 1000 nodes.
  std::vector<node> ring(1000);
  for (std::size_t i = 0; i < ring.size(); ++i)
    ring[i] = {&ring[(i + 1) % ring.size()], i};
  expect_caught([&] { consume(walk(&ring[0])); });
  CHECK(built[1] == 1);

  std::vector<double> val(1024, 0.5), x(4096, 2.0);
  std::vector<unsigned> col(1024);
  for (unsigned i = 0; i < col.size(); ++i)
    col[i] = (i * 37) % 4096;
  // 2^64 - 1 iterations: it runs until interrupted.
  expect_caught([&] {
    consume(static_cast<unsigned long>(
        gather(val.data(), col.data(), x.data(), 0, ULONG_MAX)));
  });
  CHECK(built[2] == 1);

  // Equal arrays and no limit: it runs until interrupted.
  std::vector<unsigned char> bytes(1024, 7);
  expect_caught([&] {
    consume(match(bytes.data(), bytes.data(), 0, ULONG_MAX));
  });
  CHECK(built[3] == 1);
  std::puts("poll-unrolling: passed");
}
