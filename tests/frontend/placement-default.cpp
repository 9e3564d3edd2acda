// Rules of the default placement beyond the basics of placement.cpp: which
// loops are strip-mined, which entry polls the pass drops (call-graph aware).
// RUN: %sp_clangxx -O1 -c -o /dev/null -Rpass=safepoint -Rpass-missed=safepoint %s 2>&1 | FileCheck %s
// RUN: %sp_clangxx -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=IR
// RUN: %sp_clangxx -O1 -c -o /dev/null -fplugin-arg-safepoint-placement=naive -Rpass=safepoint %s 2>&1 | FileCheck %s --check-prefix=NAIVE

void work();
inline int sq_inline(int v) { return v * v; }

// A counted loop with a constant bound too large to skip is strip-mined like
// one with a variable bound: one poll per chunk of 1024 iterations.
// CHECK-DAG: placement-default.cpp:[[@LINE+4]]:3: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'const_bound()'
// IR-LABEL: define {{.*}}@_Z11const_boundv(
// IR:         sub i32 100000, %
void const_bound() {
  for (int i = 0; i < 100000; ++i)
    work();
}
// Naive placement never strip-mines.
// NAIVE-DAG: placement-default.cpp:[[@LINE-4]]:3: remark: poll at loop back-edge in 'const_bound()'

// A constant trip count within the bounded-loop budget (4096) needs no poll,
// unless the body makes opaque calls (work() is defined elsewhere): then
// only 64 iterations are bounded, and the loop is strip-mined in chunks of
// 64 instead.
// CHECK-DAG: placement-default.cpp:[[@LINE+4]]:3: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'thousand_calls()'
// IR-LABEL: define {{.*}}@_Z14thousand_callsv(
// IR:         icmp ugt i32 %{{.*}}, 64
void thousand_calls() {
  for (int i = 0; i < 1000; ++i)
    work();
}
// CHECK-DAG: placement-default.cpp:[[@LINE+3]]:3: remark: no poll in loop: it runs 1000 iterations, bounded work
int thousand_squares() {
  int s = 0;
  for (int i = 0; i < 1000; ++i)
    s += sq_inline(i);
  return s;
}

// A constant bound of another type than the counter (compared in long): left
// as it is, polled every iteration.
// CHECK-DAG: placement-default.cpp:[[@LINE+2]]:3: remark: poll at loop back-edge in 'wider_bound()'
void wider_bound() {
  for (int i = 0; i < 100000L; ++i)
    work();
}

// Small call trees need no entry poll: sq is a leaf, dist calls only sq.
// CHECK-DAG: placement-default.cpp:[[@LINE+2]]:15: remark: no poll at entry of 'sq(int)': it cannot recurse
// CHECK-DAG: placement-default.cpp:[[@LINE+2]]:24: remark: no poll at entry of 'dist(int, int)': it cannot recurse
int sq(int v) { return v * v; }
int dist(int a, int b) { return sq(a) + sq(b); }

// A function whose loop polls and that calls only small trees needs no entry
// poll either.
// CHECK-DAG: placement-default.cpp:[[@LINE+2]]:21: remark: no poll at entry of 'sum_dist(int)': it cannot recurse
// CHECK-DAG: placement-default.cpp:[[@LINE+3]]:3: remark: poll at loop back-edge in 'sum_dist(int)'
int sum_dist(int n) {
  int s = 0;
  while (n-- > 0)
    s += dist(n, s);
  return s;
}

// Recursion keeps its entry poll.
// CHECK-DAG: placement-default.cpp:[[@LINE+1]]:16: remark: poll at function entry in 'rec(int)'
int rec(int n) { return n ? rec(n - 1) + 1 : 0; }

// So does a call to a function defined elsewhere (it may call back).
// CHECK-DAG: placement-default.cpp:[[@LINE+1]]:18: remark: poll at function entry in 'calls_out()'
void calls_out() { work(); }

// A range-for is strip-mined too: one poll per chunk of 1024 elements.
// CHECK-DAG: placement-default.cpp:[[@LINE+3]]:3: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'range(int (&) [8192])'
// NAIVE-DAG: placement-default.cpp:[[@LINE+2]]:3: remark: poll at loop back-edge in 'range(int (&) [8192])'
void range(int (&a)[8192]) {
  for (int &x : a)
    x = x * 3 + 1;
}

// A range-for with a break is left alone: the break would leave the chunk.
// CHECK-DAG: placement-default.cpp:[[@LINE+2]]:3: remark: poll at loop back-edge in 'range_break(int (&) [8192])'
void range_break(int (&a)[8192]) {
  for (int &x : a)
    if (x++ == 7)
      break;
}
