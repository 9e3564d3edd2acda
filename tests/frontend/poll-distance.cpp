// -Rpass-analysis=safepoint reports, per function, the longest path between
// two polls: the bound on uninterruptible work. Strip-mined loops are bounded
// by their chunk; loops with a constant trip count by their iterations.
// LLVM 22's SCEV does not bound the strip-mined inner loop by its chunk yet
// (it reports a 64-bit range): known gap, see docs/safety-model.md.
// UNSUPPORTED: llvm-22
// RUN: %sp_clangxx -O2 -c -o /dev/null -Rpass-analysis=safepoint %s 2>&1 | FileCheck %s

void work(int);

// CHECK-DAG: remark: poll-free path in 'strip_mined(float*, int)': at most {{[0-9][0-9][0-9][0-9][0-9]?}} instructions
void strip_mined(float *a, int n) {
  for (int i = 0; i < n; ++i)
    a[i] = a[i] * 2.0f + 1.0f;
}

// CHECK-DAG: remark: poll-free path in 'polled(int)': at most {{[0-9][0-9]?}} instructions
void polled(int n) {
  while (n-- > 0)
    work(n);
}
