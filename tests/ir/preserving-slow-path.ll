; At the end of the pipeline on x86-64, a poll's slow call with no landing
; pad in its function calls the preserve_most entry point, which keeps every
; general-purpose register but R11. An invoke is split: a preserve_most check
; that cannot unwind, then, if it took an exception, a C-convention raise
; into the landing pad that never returns (an unwinder restores only the C
; callee-saved registers into a landing pad).
; When an LTO link follows, whose inlining may put a call into a landing
; pad's scope, every slow call is split (pipeline: safepoint-preserve-slow-lto).
; RUN: %opt_sp -passes=safepoint-preserve-slow -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-preserve-slow-lto -S %s | FileCheck %s --check-prefix=LTO
; RUN: sed 's/x86_64-unknown-linux-gnu/aarch64-unknown-linux-gnu/' %s | %opt_sp -passes=safepoint-preserve-slow -S | FileCheck %s --check-prefix=OTHER
; RUN: env SAFEPOINT_ABLATE=preserve-slow %opt_sp -passes=safepoint-preserve-slow -S %s | FileCheck %s --check-prefix=OTHER

target triple = "x86_64-unknown-linux-gnu"

declare void @__safepoint_poll_slow()
declare void @work()
declare void @use(i32)
declare i32 @__gxx_personality_v0(...)

; A call: the preserving entry point, with its convention at the call;
; before an LTO link, split (what follows the call moves to a block of its
; own).
; CHECK-LABEL: define void @call(
; CHECK:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
; OTHER-LABEL: define void @call(
; OTHER:         call void @__safepoint_poll_slow()
; LTO-LABEL:   define void @call(
; LTO:         [[T:%.*]] = call preserve_mostcc i32 @__safepoint_poll_check_preserve()
; LTO-NEXT:    [[P:%.*]] = icmp ne i32 [[T]], 0
; LTO-NEXT:    br i1 [[P]], label %{{.*}}.raise, label %{{.*}}.split
; LTO:         call void @__safepoint_poll_raise()
; LTO-NEXT:    unreachable
define void @call() {
  call void @__safepoint_poll_slow()
  ret void
}

; A lowered poll's slow block, which branches on to the continuation: the
; check branches there itself.
; CHECK-LABEL: define void @lowered(
; CHECK:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
; LTO-LABEL:   define void @lowered(
; LTO:         slow:
; LTO-NEXT:      [[T:%.*]] = call preserve_mostcc i32 @__safepoint_poll_check_preserve()
; LTO-NEXT:      [[P:%.*]] = icmp ne i32 [[T]], 0
; LTO-NEXT:      br i1 [[P]], label %slow.raise, label %cont
; LTO:         slow.raise:
; LTO-NEXT:      call void @__safepoint_poll_raise()
; LTO-NEXT:      unreachable
; LTO:         cont:
; LTO-NEXT:      %r = phi i32 [ 1, %entry ], [ 2, %slow ]
define void @lowered(i1 %pending) {
entry:
  br i1 %pending, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %r = phi i32 [ 1, %entry ], [ 2, %slow ]
  call void @use(i32 %r)
  ret void
}

; An invoke: the check, then the raise on its own edge into the landing
; pad, whose phi now comes from the raise block.
; CHECK-LABEL: define void @invoked(
; CHECK:       slow:
; CHECK-NEXT:    [[T:%.*]] = call preserve_mostcc i32 @__safepoint_poll_check_preserve()
; CHECK-NEXT:    [[P:%.*]] = icmp ne i32 [[T]], 0
; CHECK-NEXT:    br i1 [[P]], label %slow.raise, label %cont
; CHECK:       slow.raise:
; CHECK-NEXT:    invoke void @__safepoint_poll_raise()
; CHECK-NEXT:            to label %slow.unreachable unwind label %lpad
; CHECK:       slow.unreachable:
; CHECK-NEXT:    unreachable
; CHECK:       cont:
; CHECK-NEXT:    %r = phi i32 [ 1, %entry ], [ 2, %slow ]
; CHECK:       lpad:
; CHECK-NEXT:    %v = phi i32 [ 3, %slow.raise ]
; CHECK-NOT:   __safepoint_poll_slow(
; LTO-LABEL:   define void @invoked(
; LTO:           call preserve_mostcc i32 @__safepoint_poll_check_preserve()
; LTO:           invoke void @__safepoint_poll_raise()
; LTO-NEXT:              to label %slow.unreachable unwind label %lpad
; OTHER-LABEL: define void @invoked(
; OTHER:         invoke void @__safepoint_poll_slow()
define void @invoked(i1 %pending) personality ptr @__gxx_personality_v0 {
entry:
  br i1 %pending, label %slow, label %cont
slow:
  invoke void @__safepoint_poll_slow() to label %cont unwind label %lpad
cont:
  %r = phi i32 [ 1, %entry ], [ 2, %slow ]
  call void @use(i32 %r)
  ret void
lpad:
  %v = phi i32 [ 3, %slow ]
  %lp = landingpad { ptr, i32 } cleanup
  call void @use(i32 %v)
  resume { ptr, i32 } %lp
}

; The declarations carry the conventions too, cold and never inlined; the
; check cannot unwind, the raise never returns.
; CHECK: declare preserve_mostcc void @__safepoint_poll_slow_preserve() #[[A:[0-9]+]]
; CHECK: declare preserve_mostcc i32 @__safepoint_poll_check_preserve() #[[C:[0-9]+]]
; CHECK: declare void @__safepoint_poll_raise() #[[R:[0-9]+]]
; CHECK: attributes #[[A]] = { cold noinline }
; CHECK: attributes #[[C]] = { cold noinline nounwind }
; CHECK: attributes #[[R]] = { cold noinline noreturn }
; LTO-NOT: @__safepoint_poll_slow_preserve
