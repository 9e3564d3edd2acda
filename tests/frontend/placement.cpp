// Where the frontend places polls, and where it must not.
// RUN: %sp_clangxx -O0 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %sp_clangxx -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=OPT

void work();
struct R {
  R();
  ~R();
};

// A loop: an entry poll and a poll at the start of every iteration, invoked
// so that R's destructor runs when it throws.
// CHECK-LABEL: define {{.*}}@_Z4loopi(
// CHECK:         call void @__safepoint_poll_slow()
// CHECK:         invoke void @__safepoint_poll_slow()
// CHECK-NEXT:      to label %{{.*}} unwind label %[[LPAD:.*]]
// CHECK:       [[LPAD]]:
// CHECK:         call void @_ZN1RD1Ev(
void loop(int n) {
  R r;
  for (int i = 0; i < n; ++i)
    work();
}

// Destructors, noexcept functions and [[no_interrupts]] functions get no poll.
// CHECK-LABEL: define {{.*}}@_Z7nothrowi(
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:         ret void
void nothrow(int n) noexcept {
  for (int i = 0; i < n; ++i)
    work();
}

// CHECK-LABEL: define {{.*}}@_Z10attributedi(
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:         ret void
[[no_interrupts]] void attributed(int n) {
  for (int i = 0; i < n; ++i)
    work();
}

struct D {
  ~D();
};
// CHECK-LABEL: define {{.*}}@_ZN1DD2Ev(
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:         ret void
D::~D() {
  for (int i = 0; i < 3; ++i)
    work();
}

// A loop in a catch handler has no poll; the try block's function entry does.
// CHECK-LABEL: define {{.*}}@_Z7handlerv(
// CHECK:         call void @__safepoint_poll_slow()
// CHECK-NOT:     __safepoint_poll_slow
// CHECK:         ret void
void handler() {
  try {
    work();
  } catch (...) {
    for (int i = 0; i < 3; ++i)
      work();
  }
}

// A function that was nounwind before instrumentation no longer is, and its
// caller keeps the cleanup for R (the loop is defined before the caller).
// Optimized, a slow call without a landing pad in its function keeps the
// loop's registers (preserve_most); an invoke is split into a preserve_most
// check and a C-convention raise into the landing pad.
// OPT-LABEL: define {{.*}}@_Z4spinv(
// OPT-NOT:     nounwind
// OPT:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
void spin() {
  for (unsigned i = 0;; ++i)
    asm volatile("" : : "r"(i));
}
// OPT-LABEL: define {{.*}}@_Z6callerv(
// OPT:         call preserve_mostcc i32 @__safepoint_poll_check_preserve()
// OPT:         invoke void @__safepoint_poll_raise()
// OPT:         landingpad
// OPT:         call void @_ZN1RD1Ev(
void caller() {
  R r;
  spin();
}

// constexpr functions keep working in constant evaluation.
constexpr int triangle(int n) {
  int s = 0;
  for (int i = 1; i <= n; ++i)
    s += i;
  return s;
}
static_assert(triangle(10) == 55);
// CHECK-LABEL: define {{.*}}@_Z15triangleRuntimei(
int triangleRuntime(int n) { return triangle(n); }
// CHECK-LABEL: define {{.*}}@_Z8trianglei(
// CHECK:         call void @__safepoint_poll_slow()
