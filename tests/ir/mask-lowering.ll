; Functions marked by the frontend as masked (destructors, noexcept and
; [[no_interrupts]] functions) raise the thread's mask depth for their whole
; extent, but only if some call in them can reach a poll.
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint -pass-remarks=safepoint -pass-remarks-analysis=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK

declare void @__safepoint_mask_marker() nounwind
declare void @may_throw()
declare void @no_throw() nounwind
declare void @__clang_call_terminate(ptr)
declare i32 @__gxx_personality_v0(...)

; A noexcept function calling may-throw code: +1 at entry, -1 before the return;
; the marker is gone.
; CHECK-LABEL: define void @noexcept_fn(
; CHECK-NEXT:    [[A:%.*]] = call {{.*}}@llvm.threadlocal.address.p0(ptr {{.*}}@__safepoint_mask_depth)
; CHECK-NEXT:    [[D:%.*]] = load i32, ptr [[A]]
; CHECK-NEXT:    [[D1:%.*]] = add i32 [[D]], 1
; CHECK-NEXT:    store i32 [[D1]], ptr [[A]]
; CHECK-NOT:     @__safepoint_mask_marker
; CHECK:         invoke void @may_throw()
; CHECK:         [[E:%.*]] = load i32, ptr
; CHECK-NEXT:    [[E1:%.*]] = add i32 [[E]], -1
; CHECK-NEXT:    store i32 [[E1]]
; CHECK-NEXT:    ret void
; REMARK-DAG: interrupts masked while 'noexcept_fn' runs
define void @noexcept_fn() nounwind personality ptr @__gxx_personality_v0 {
  call void @__safepoint_mask_marker()
  invoke void @may_throw() to label %ok unwind label %terminate
ok:
  ret void
terminate:
  %lp = landingpad { ptr, i32 } catch ptr null
  %e = extractvalue { ptr, i32 } %lp, 0
  call void @__clang_call_terminate(ptr %e)
  unreachable
}

; Nothing in it can reach a poll: no mask, just the marker removed.
; CHECK-LABEL: define void @trivial_dtor(
; CHECK-NOT:     __safepoint_mask
; CHECK:         call void @no_throw()
; CHECK-NEXT:    ret void
; REMARK: no mask needed in 'trivial_dtor': no call in it can reach a poll
define void @trivial_dtor() nounwind {
  call void @__safepoint_mask_marker()
  call void @no_throw()
  ret void
}

; A [[no_interrupts]] function that may throw also restores the depth when an
; exception leaves it: the call becomes an invoke to a cleanup that resumes.
; CHECK-LABEL: define void @no_interrupts_fn(
; CHECK:         add i32 {{.*}}, 1
; CHECK:         invoke void @may_throw()
; CHECK-NEXT:            to label %{{.*}} unwind label %[[CLEANUP:.*]]
; CHECK:         add i32 {{.*}}, -1
; CHECK-NEXT:    store
; CHECK-NEXT:    ret void
; CHECK:       [[CLEANUP]]:
; CHECK-NEXT:    landingpad
; CHECK-NEXT:      cleanup
; CHECK:         add i32 {{.*}}, -1
; CHECK:         resume
define void @no_interrupts_fn() {
  call void @__safepoint_mask_marker()
  call void @may_throw()
  ret void
}
