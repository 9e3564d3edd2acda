; Entry polls are dropped where the function's work is bounded without them:
; no call other than intrinsics and no other poll site.
; RUN: %opt_sp -passes=safepoint -S %s 2>&1 | FileCheck %s
; RUN: %opt_sp -passes=safepoint -pass-remarks-missed=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK

declare void @__safepoint_poll_marker(i32)
declare void @callee()
declare i32 @llvm.smax.i32(i32, i32)

; A leaf without loops keeps no poll; intrinsics do not count as calls.
; CHECK-LABEL: define i32 @leaf(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret i32
; REMARK: no poll at entry of 'leaf': it calls no function and its loops are bounded
define i32 @leaf(i32 %x) {
  call void @__safepoint_poll_marker(i32 0)
  %m = call i32 @llvm.smax.i32(i32 %x, i32 0)
  ret i32 %m
}

; A function that calls out keeps its entry poll (recursion, call chains).
; CHECK-LABEL: define void @caller(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call void @callee()
define void @caller() {
  call void @__safepoint_poll_marker(i32 0)
  call void @callee()
  ret void
}

; A function with a loop poll keeps its entry poll too.
; CHECK-LABEL: define void @with_loop(
; CHECK-COUNT-2: call void @__safepoint_poll_slow()
define void @with_loop(i32 %n) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  call void @__safepoint_poll_marker(i32 1)
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
