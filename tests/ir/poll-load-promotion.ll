; In a loop that keeps a poll in every iteration, a load from memory that
; only the poll's slow call may write (a global vector's data pointer that a
; dispatch loop indexes) moves to the preheader and is reloaded after each
; slow call; the loop uses the value reaching the old load. Memory the loop
; writes, loops with other calls, and objects that could be freed unless
; the loop reads them as soon as the slow path returns, stay.
; RUN: %opt_sp -passes=safepoint-promote-loads -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-promote-loads -pass-remarks=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: env SAFEPOINT_ABLATE=promote-loads %opt_sp -passes=safepoint-promote-loads -S %s | FileCheck %s --check-prefix=ABLATED

@__safepoint_pending = external thread_local(initialexec) global i32, align 4
@code = global ptr null, align 8
@count = global i64 0, align 8

declare void @__safepoint_poll_slow()
declare void @opaque()
declare i32 @__gxx_personality_v0(...)
declare ptr @llvm.threadlocal.address.p0(ptr)

; The data pointer is loaded once before the loop and once after the slow
; call; the body uses their phi.
; CHECK-LABEL: define i64 @dispatch(
; CHECK:       entry:
; CHECK:         %sp.promoted = load ptr, ptr @code, align 8, !tbaa
; CHECK-NEXT:    br label %loop
; CHECK:       loop:
; CHECK-NEXT:    [[BASE:%.*]] = phi ptr [ %sp.promoted, %entry ], [ [[CUR:%.*]], %push ], [ [[CUR]], %jump ]
; CHECK:       slow:
; CHECK-NEXT:    call void @__safepoint_poll_slow()
; CHECK-NEXT:    %sp.reload = load ptr, ptr @code, align 8, !tbaa
; CHECK:       body:
; CHECK-NEXT:    [[CUR]] = phi ptr [ %sp.reload, %slow ], [ [[BASE]], %loop ]
; CHECK-NEXT:    %at = getelementptr inbounds i8, ptr [[CUR]], i64 %pc
; REMARK: remark: <unknown>:0:0: loads of invariant memory kept out of the polled loop (reloaded after its slow path): 1
; ABLATED-LABEL: define i64 @dispatch(
; ABLATED-NOT:   sp.promoted
; ABLATED:       body:
; ABLATED-NEXT:    %base = load ptr, ptr @code, align 8
define i64 @dispatch(i64 %n) {
entry:
  %stack = alloca [256 x i64], align 8
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %pc = phi i64 [ 0, %entry ], [ %pc.next, %push ], [ %pc.next, %jump ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %body, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %base = load ptr, ptr @code, align 8, !tbaa !2
  %at = getelementptr inbounds i8, ptr %base, i64 %pc
  %op = load i8, ptr %at, align 1
  %pc.next = add i64 %pc, 1
  %is.push = icmp ult i8 %op, 128
  br i1 %is.push, label %push, label %jump

push:
  %slot = getelementptr inbounds i64, ptr %stack, i64 %pc
  %op64 = zext i8 %op to i64
  store i64 %op64, ptr %slot, align 8
  br label %loop

jump:
  %more = icmp ult i64 %pc.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret i64 %pc.next
}

; A slow path that unwinds: the reload goes to the invoke's normal
; destination.
; CHECK-LABEL: define void @invoked(
; CHECK:       resume:
; CHECK-NEXT:    %sp.reload = load i64, ptr @count, align 8
; CHECK:       cont:
; CHECK-NOT:     load i64, ptr @count
; CHECK:         ret void
define void @invoked(ptr noalias %out, i64 %n) personality ptr @__gxx_personality_v0 {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  invoke void @__safepoint_poll_slow()
          to label %resume unwind label %lpad

resume:
  br label %cont

cont:
  %c = load i64, ptr @count, align 8
  %p = getelementptr inbounds i64, ptr %out, i64 %i
  store i64 %c, ptr %p, align 8
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void

lpad:
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}

; The loop may write the global itself (%out may point to it): its load
; stays.
; CHECK-LABEL: define void @written(
; CHECK-NOT:     sp.promoted
; CHECK:       cont:
; CHECK-NEXT:    %c = load i64, ptr @count, align 8
define void @written(ptr %out, i64 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %c = load i64, ptr @count, align 8
  %p = getelementptr inbounds i64, ptr %out, i64 %i
  store i64 %c, ptr %p, align 8
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; Another call in the loop: left alone.
; CHECK-LABEL: define void @calls(
; CHECK-NOT:     sp.promoted
; CHECK:       cont:
; CHECK-NEXT:    call void @opaque()
; CHECK-NEXT:    %c = load i64, ptr @count, align 8
define void @calls(ptr noalias %out, i64 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  call void @opaque()
  %c = load i64, ptr @count, align 8
  %p = getelementptr inbounds i64, ptr %out, i64 %i
  store i64 %c, ptr %p, align 8
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; A field of an object the slow path could free (a handshake may delete
; it): the reload is right where the slow path rejoins the loop, at the old
; load, so it reads nothing the loop would not. Promoted.
; CHECK-LABEL: define void @freeable(
; CHECK:         %sp.promoted = load i64, ptr %obj, align 8
; CHECK:       slow:
; CHECK-NEXT:    call void @__safepoint_poll_slow()
; CHECK-NEXT:    %sp.reload = load i64, ptr %obj, align 8
; CHECK:       cont:
; CHECK-NOT:     load i64, ptr %obj
; CHECK:         ret void
define void @freeable(ptr align 8 dereferenceable(8) %obj, ptr noalias %out, i64 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %c = load i64, ptr %obj, align 8
  %p = getelementptr inbounds i64, ptr %out, i64 %i
  store i64 %c, ptr %p, align 8
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; The same field read only on some iterations: a reload after the slow path
; could read the object after a handshake freed it, where the loop would
; not. Left alone.
; CHECK-LABEL: define void @freeable_sometimes(
; CHECK-NOT:     sp.promoted
; CHECK:       use:
; CHECK-NEXT:    %c = load i64, ptr %obj, align 8
define void @freeable_sometimes(ptr align 8 dereferenceable(8) %obj, ptr noalias %out, i64 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %next ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %odd = trunc i64 %i to i1
  br i1 %odd, label %use, label %next

use:
  %c = load i64, ptr %obj, align 8
  %p = getelementptr inbounds i64, ptr %out, i64 %i
  store i64 %c, ptr %p, align 8
  br label %next

next:
  %i.next = add i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

!0 = !{}
!1 = !{!"branch_weights", i32 2000, i32 1}
!2 = !{!3, !3, i64 0}
!3 = !{!"any pointer", !4, i64 0}
!4 = !{!"omnipotent char", !5, i64 0}
!5 = !{!"Simple C++ TBAA"}
