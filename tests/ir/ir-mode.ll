; Pass-plugin mode (-fpass-plugin, no frontend markers): only what is
; EH-correct from IR alone. Entry polls go into functions that may already
; throw; nounwind functions that make may-throw calls are masked.
; RUN: %opt_sp -passes=safepoint-ir -S %s | FileCheck %s

declare void @may_throw()
declare i32 @__gxx_personality_v0(...)
declare void @__clang_call_terminate(ptr)

; May throw and calls out: entry poll, as a call (nothing is live yet).
; CHECK-LABEL: define void @throwing(
; CHECK-NEXT:    call {{.*}}@llvm.threadlocal.address.p0(ptr {{.*}}@__safepoint_pending)
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call void @may_throw()
define void @throwing() {
  call void @may_throw()
  ret void
}

; nounwind (noexcept) with a may-throw call: no poll, but masked.
; CHECK-LABEL: define void @noexcept_caller(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         @__safepoint_mask_depth
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret void
define void @noexcept_caller() nounwind personality ptr @__gxx_personality_v0 {
  invoke void @may_throw() to label %ok unwind label %terminate
ok:
  ret void
terminate:
  %lp = landingpad { ptr, i32 } catch ptr null
  %e = extractvalue { ptr, i32 } %lp, 0
  call void @__clang_call_terminate(ptr %e)
  unreachable
}

; Functions that call setjmp are left alone.
; CHECK-LABEL: define void @uses_setjmp(
; CHECK-NOT:     @__safepoint
; CHECK:         ret void
declare i32 @setjmp(ptr) returns_twice
define void @uses_setjmp(ptr %buf) {
  %r = call i32 @setjmp(ptr %buf)
  call void @may_throw()
  ret void
}
