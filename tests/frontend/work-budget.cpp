// The work budget: a loop left without a poll of its own, or one chunk of a
// strip-mined loop, does about 16384 IR instructions at most (PollFreeWork),
// estimated from the AST, so a heavier body gets fewer iterations per poll.
// RUN: %sp_clangxx -O1 -c -o /dev/null -Rpass=safepoint -Rpass-missed=safepoint %s 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %sp_clangxx -O0 -S -emit-llvm -o - %s | FileCheck %s
// RUN: env SAFEPOINT_ABLATE=work-budget %sp_clangxx -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=ABLATED
// RUN: %sp_clangxx -O2 -c -o /dev/null -Rpass-analysis=safepoint %s 2>&1 | FileCheck %s --check-prefix=DISTANCE

#define STEP(k) s = s * (k) + a[i] * b[(i + k) & 255] - (s >> 3);
#define STEPS8(k)                                                              \
  STEP(k) STEP(k + 1) STEP(k + 2) STEP(k + 3) STEP(k + 4) STEP(k + 5)          \
      STEP(k + 6) STEP(k + 7)

// A light body: 1000 iterations are bounded work, without a poll.
// REMARK-DAG: work-budget.cpp:[[@LINE+2]]:3: remark: no poll in loop: it runs 1000 iterations, bounded work (about {{[0-9]+}} instructions)
void light(float *a) {
  for (int i = 0; i < 1000; ++i)
    a[i] = a[i] * 2.0f;
}

// The same number of iterations of a heavy body exceed the budget: the loop
// is strip-mined in chunks that fit it (fewer than 1024 iterations).
// REMARK-DAG: work-budget.cpp:[[@LINE+8]]:3: remark: poll at loop back-edge, once per chunk of iterations (strip-mined) in 'heavy_const(int const*, int const*)'
// CHECK-LABEL: define {{.*}}@_Z11heavy_constPKiS0_(
// CHECK:         icmp ugt i32 %{{.*}}, {{(16|32|64|128|256)$}}
// ABLATED-LABEL: define {{.*}}@_Z11heavy_constPKiS0_(
// ABLATED-NOT:   __safepoint_k
// ABLATED:       ret i32
int heavy_const(const int *a, const int *b) {
  int s = 0;
  for (int i = 0; i < 1000; ++i) {
    STEPS8(1)
  }
  return s;
}
// The chunks bound the work between two polls to at most 16384 IR
// instructions (1000 iterations of this body are over 70,000).
// DISTANCE-DAG: remark: poll-free path in 'heavy_const(int const*, int const*)': at most {{([0-9]{1,4}|1[0-5][0-9][0-9][0-9]|16[0-3][0-9][0-9])}} instructions
// DISTANCE-DAG: remark: poll-free path in 'heavy_count(int const*, int const*, int)': at most {{([0-9]{1,4}|1[0-5][0-9][0-9][0-9]|16[0-3][0-9][0-9])}} instructions

// A loop over n iterations: chunks of fewer than 1024.
// CHECK-LABEL: define {{.*}}@_Z11heavy_countPKiS0_i(
// CHECK:         icmp ugt i32 %{{.*}}, {{(16|32|64|128|256)$}}
// ABLATED-LABEL: define {{.*}}@_Z11heavy_countPKiS0_i(
// ABLATED:       icmp ugt i32 %{{.*}}, 1024
int heavy_count(const int *a, const int *b, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) {
    STEPS8(1)
  }
  return s;
}

// A body too heavy for chunks of at least 16 iterations: it polls in every
// iteration.
// REMARK-DAG: work-budget.cpp:[[@LINE+6]]:3: remark: poll at loop back-edge in 'huge(int const*, int const*, int)'
// CHECK-LABEL: define {{.*}}@_Z4hugePKiS0_i(
// CHECK-NOT:     __safepoint_k
// CHECK:         ret i32
int huge(const int *a, const int *b, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) {
    STEPS8(1) STEPS8(9) STEPS8(17) STEPS8(25) STEPS8(33) STEPS8(41)
    STEPS8(49) STEPS8(57) STEPS8(65) STEPS8(73) STEPS8(81) STEPS8(89)
  }
  return s;
}
