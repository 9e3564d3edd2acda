; Running the pass twice (say -fplugin plus -fpass-plugin) changes nothing the
; second time: the module flag records that it was lowered.
; RUN: %opt_sp -passes=safepoint-ir,safepoint-ir -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint,safepoint-ir -S %s | FileCheck %s

declare void @__safepoint_poll_marker(i32)
declare void @may_throw()

; With frontend markers present, IR mode adds nothing: exactly one poll.
; CHECK-LABEL: define void @f(
; CHECK-COUNT-1: call void @__safepoint_poll_slow()
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         ret void
define void @f() {
  call void @__safepoint_poll_marker(i32 0)
  call void @may_throw()
  ret void
}
