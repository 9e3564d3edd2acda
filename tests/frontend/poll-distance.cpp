// -Rpass-analysis=safepoint reports, per function, the longest path between
// two polls: the bound on uninterruptible work. Strip-mined loops are bounded
// by their chunk; loops with a constant trip count by their iterations.
// (Checked on LLVM 19 and 22: the inner loop counts an unsigned __k up to
// min(n - i, 1024), which both SCEVs bound.)
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

// A constant bound above the bounded-loop budget: strip-mined, bounded.
// CHECK-DAG: remark: poll-free path in 'const_bound(float*)': at most {{[0-9][0-9][0-9][0-9][0-9]?}} instructions
void const_bound(float *a) {
  for (int i = 0; i < 1000000; ++i)
    a[i] = a[i] * 2.0f + 1.0f;
}

// A strip-mined range-for: its inner loop stops after 1024 elements.
// CHECK-DAG: remark: poll-free path in 'range(float (&) [100000])': at most {{[0-9][0-9][0-9][0-9][0-9]?}} instructions
void range(float (&a)[100000]) {
  for (float &x : a)
    x = x * 2.0f + 1.0f;
}
