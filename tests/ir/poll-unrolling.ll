; A small innermost loop that keeps its poll in every iteration is unrolled
; by 4 with the poll in the first copy only (also when the loop tests before
; it, as a rotated `while` does): a walk of unknown length keeps
; every copy's exit, a loop with a computable trip count gets a remainder
; loop (polling in each of its iterations). Loops with other calls, with
; unroll metadata or with long iterations keep their per-iteration poll; a
; dispatch loop, large but running one case per iteration, is unrolled,
; unless its switch becomes a jump table (the x86-64 triple says which).
; RUN: %opt_sp -passes=safepoint-poll-unroll -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-poll-unroll -pass-remarks=safepoint -pass-remarks-missed=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: env SAFEPOINT_ABLATE=poll-unroll %opt_sp -passes=safepoint-poll-unroll -S %s | FileCheck %s --check-prefix=ABLATED
; RUN: env SAFEPOINT_ABLATE=poll-unroll-short %opt_sp -passes=safepoint-poll-unroll -S %s | FileCheck %s --check-prefix=FOUR
; RUN: env SAFEPOINT_ABLATE=jump-table-whole %opt_sp -passes=safepoint-poll-unroll -S %s | FileCheck %s --check-prefix=TABLE
; RUN: env SAFEPOINT_ABLATE=poll-unroll-after-test %opt_sp -passes=safepoint-poll-unroll -S %s | FileCheck %s --check-prefix=HEADER

target triple = "x86_64-unknown-linux-gnu"

@__safepoint_pending = external thread_local(initialexec) global i32, align 4

%node = type { ptr, i64 }

declare void @__safepoint_poll_slow()
declare void @opaque()
declare ptr @llvm.threadlocal.address.p0(ptr)

; A linked list, a body of at most 16 instructions: eight copies of it, each
; leaving the loop when the list ends; the poll at the header only, the
; copies' polls never taken.
; CHECK-LABEL: define i64 @walk(
; CHECK:       loop:
; CHECK:         load volatile i32, ptr %tls, align 4, !safepoint.loop
; CHECK-NOT:     load volatile
; CHECK:         %end = icmp eq ptr %next, null
; CHECK:         %end.1 = icmp eq ptr %next.1, null
; CHECK:         %end.2 = icmp eq ptr %next.2, null
; CHECK:         %end.3 = icmp eq ptr %next.3, null
; CHECK:         %end.4 = icmp eq ptr %next.4, null
; CHECK:         %end.5 = icmp eq ptr %next.5, null
; CHECK:         %end.6 = icmp eq ptr %next.6, null
; CHECK:         %end.7 = icmp eq ptr %next.7, null
; CHECK-NOT:     %end.8
; CHECK-NOT:     load volatile
; CHECK:       ret i64
; ABLATED-LABEL: define i64 @walk(
; ABLATED-NOT:   %end.1
; Eight copies ablated: four.
; FOUR-LABEL: define i64 @walk(
; FOUR:          %end.3 = icmp eq ptr %next.3, null
; FOUR-NOT:      %end.4
; FOUR:        ret i64
; REMARK: remark: <unknown>:0:0: loop unrolled by 8, one poll per 8 iterations
define i64 @walk(ptr %p) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %n = phi ptr [ %p, %entry ], [ %next, %body ]
  %s = phi i64 [ 0, %entry ], [ %s.next, %body ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %vp = getelementptr inbounds %node, ptr %n, i64 0, i32 1
  %v = load i64, ptr %vp, align 8
  %s.next = add i64 %s, %v
  %next = load ptr, ptr %n, align 8
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop

exit:
  ret i64 %s.next
}

; A gather with a computable trip count and a body of more than 16
; instructions: the remainder loop (a prologue of fewer than four
; iterations) polls in each, the loop unrolled by four once per four
; iterations; the copies' polls are never taken.
; CHECK-LABEL: define double @gather(
; CHECK:       loop.prol:
; CHECK:         load volatile i32, {{.*}}!safepoint.loop
; CHECK:       {{^}}loop:
; CHECK:         load volatile i32, {{.*}}!safepoint.loop
; CHECK-NOT:     load volatile
; CHECK:         br i1 false, label %slow.1, label %body.1
; CHECK:         br i1 false, label %slow.2, label %body.2
; CHECK:         br i1 false, label %slow.3, label %body.3
; CHECK:         %k.next.3 =
; CHECK-NOT:     load volatile
; CHECK:       ret double
; REMARK: remark: <unknown>:0:0: loop unrolled by 4, one poll per 4 iterations
define double @gather(ptr %val, ptr %col, ptr %x, i64 %lo, i64 %hi) {
entry:
  %go = icmp ult i64 %lo, %hi
  br i1 %go, label %loop, label %exit

loop:
  %k = phi i64 [ %lo, %entry ], [ %k.next, %body ]
  %s = phi double [ 0.0, %entry ], [ %s.next, %body ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %vp = getelementptr inbounds double, ptr %val, i64 %k
  %v = load double, ptr %vp, align 8
  %cp = getelementptr inbounds i32, ptr %col, i64 %k
  %c = load i32, ptr %cp, align 4
  %c64 = zext i32 %c to i64
  %xp = getelementptr inbounds double, ptr %x, i64 %c64
  %xv = load double, ptr %xp, align 8
  %m = fmul double %v, %xv
  %s.next = fadd double %s, %m
  %k.next = add nuw i64 %k, 1
  %more = icmp ult i64 %k.next, %hi
  br i1 %more, label %loop, label %exit

exit:
  %r = phi double [ 0.0, %entry ], [ %s.next, %body ]
  ret double %r
}

; A loop that tests before its poll (a rotated `while (++i < n && a[i] ==
; b[i]) {}`): the poll dominates the latch, so it runs once in every
; iteration that goes around; eight copies, each keeping both exits, and
; only the original's poll.
; CHECK-LABEL: define i64 @tests_first(
; CHECK:       loop:
; CHECK:         %same = icmp eq i8
; CHECK:       body:
; CHECK-NEXT:    load volatile i32, ptr %tls, align 4, !safepoint.loop
; CHECK-NOT:     load volatile
; CHECK:         %same.7 = icmp eq i8
; CHECK-NOT:     load volatile
; CHECK:       ret i64
; REMARK: remark: <unknown>:0:0: loop unrolled by 8, one poll per 8 iterations
; Ablated (SAFEPOINT_ABLATE=poll-unroll-after-test), only a poll at the
; header qualifies: left alone.
; HEADER-LABEL: define i64 @tests_first(
; HEADER-NOT:     %same.1
; HEADER:       ret i64
define i64 @tests_first(ptr %a, ptr %b, i64 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %latch ]
  %pa = getelementptr inbounds i8, ptr %a, i64 %i
  %va = load i8, ptr %pa, align 1
  %pb = getelementptr inbounds i8, ptr %b, i64 %i
  %vb = load i8, ptr %pb, align 1
  %same = icmp eq i8 %va, %vb
  br i1 %same, label %body, label %exit

body:
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %latch, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %latch

latch:
  %i.next = add nuw nsw i64 %i, 1
  %end = icmp eq i64 %i.next, %n
  br i1 %end, label %exit, label %loop

exit:
  %r = phi i64 [ %i, %loop ], [ %n, %latch ]
  ret i64 %r
}

; A poll on one path through the body only does not run in every
; iteration: left alone.
; CHECK-LABEL: define i64 @poll_on_one_path(
; CHECK-NOT:     .1:
; CHECK:       ret i64
define i64 @poll_on_one_path(ptr %a, i64 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %latch ]
  %pa = getelementptr inbounds i8, ptr %a, i64 %i
  %va = load i8, ptr %pa, align 1
  %odd = icmp ugt i8 %va, 127
  br i1 %odd, label %body, label %latch

body:
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %latch, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %latch

latch:
  %i.next = add nuw nsw i64 %i, 1
  %end = icmp eq i64 %i.next, %n
  br i1 %end, label %exit, label %loop

exit:
  ret i64 %i
}

; Another call in the loop: left alone.
; CHECK-LABEL: define void @calls(
; CHECK-NOT:     .1:
; CHECK:       ret void
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration, not unrolled: it makes calls
define void @calls(ptr %p) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %n = phi ptr [ %p, %entry ], [ %next, %body ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  call void @opaque()
  %next = load ptr, ptr %n, align 8
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop

exit:
  ret void
}

; `#pragma nounroll`: left alone.
; CHECK-LABEL: define void @nounroll(
; CHECK-NOT:     .1:
; CHECK:       ret void
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration, not unrolled: it has unroll metadata
define void @nounroll(ptr %p) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %n = phi ptr [ %p, %entry ], [ %next, %body ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %next = load ptr, ptr %n, align 8
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop, !llvm.loop !2

exit:
  ret void
}

; An iteration of more than 32 instructions: left alone.
; CHECK-LABEL: define i64 @large(
; CHECK-NOT:     .1:
; CHECK:       ret i64
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration, not unrolled: an iteration runs long enough to hide its poll
define i64 @large(ptr %p) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %n = phi ptr [ %p, %entry ], [ %next, %body ]
  %s = phi i64 [ 0, %entry ], [ %s16, %body ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %v = load i64, ptr %n, align 8
  %a1 = mul i64 %v, 3
  %s1 = xor i64 %s, %a1
  %a2 = mul i64 %s1, 5
  %s2 = xor i64 %s1, %a2
  %a3 = mul i64 %s2, 7
  %s3 = xor i64 %s2, %a3
  %a4 = mul i64 %s3, 9
  %s4 = xor i64 %s3, %a4
  %a5 = mul i64 %s4, 11
  %s5 = xor i64 %s4, %a5
  %a6 = mul i64 %s5, 13
  %s6 = xor i64 %s5, %a6
  %a7 = mul i64 %s6, 15
  %s7 = xor i64 %s6, %a7
  %a8 = mul i64 %s7, 17
  %s8 = xor i64 %s7, %a8
  %a9 = mul i64 %s8, 19
  %s9 = xor i64 %s8, %a9
  %a10 = mul i64 %s9, 21
  %s10 = xor i64 %s9, %a10
  %a11 = mul i64 %s10, 23
  %s11 = xor i64 %s10, %a11
  %a12 = mul i64 %s11, 25
  %s12 = xor i64 %s11, %a12
  %a13 = mul i64 %s12, 27
  %s13 = xor i64 %s12, %a13
  %a14 = mul i64 %s13, 29
  %s14 = xor i64 %s13, %a14
  %a15 = mul i64 %s14, 31
  %s15 = xor i64 %s14, %a15
  %a16 = mul i64 %s15, 33
  %s16 = xor i64 %s15, %a16
  %np = getelementptr inbounds %node, ptr %n, i64 0, i32 0
  %next = load ptr, ptr %np, align 8
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop

exit:
  ret i64 %s16
}

; A dispatch loop: 27 instructions in all, but an iteration runs one case
; (at most 14), and its three cases become compares, not a jump table:
; unrolled, one poll per four dispatches.
; CHECK-LABEL: define i64 @dispatch(
; CHECK:       loop:
; CHECK:         load volatile i32, ptr %tls, align 4, !safepoint.loop
; CHECK-NOT:     load volatile
; CHECK:         switch i8 %op.3,
; CHECK-NOT:     load volatile
; CHECK:       ret i64
; REMARK: remark: <unknown>:0:0: loop unrolled by 4, one poll per 4 iterations
define i64 @dispatch(ptr %code) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %pc = phi i64 [ 0, %entry ], [ %pc.next, %latch ]
  %acc = phi i64 [ 0, %entry ], [ %acc.next, %latch ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %at = getelementptr inbounds i8, ptr %code, i64 %pc
  %op = load i8, ptr %at, align 1
  %pc.next = add i64 %pc, 1
  switch i8 %op, label %exit [
    i8 0, label %c0
    i8 1, label %c1
    i8 2, label %c2
  ]

c0:
  %a0 = add i64 %acc, 1
  %b0 = mul i64 %a0, 3
  %d0 = xor i64 %b0, 7
  %e0 = mul i64 %d0, %acc
  %f0 = add i64 %e0, %pc
  br label %latch
c1:
  %a1 = sub i64 %acc, 5
  %b1 = mul i64 %a1, 11
  %d1 = xor i64 %b1, 13
  %e1 = mul i64 %d1, %acc
  %f1 = add i64 %e1, %pc
  br label %latch
c2:
  %a2 = shl i64 %acc, 2
  %b2 = add i64 %a2, 17
  %d2 = xor i64 %b2, 19
  %e2 = mul i64 %d2, %acc
  %f2 = add i64 %e2, %pc
  br label %latch
latch:
  %acc.next = phi i64 [ %f0, %c0 ], [ %f1, %c1 ], [ %f2, %c2 ]
  br label %loop

exit:
  ret i64 %acc
}

; A switch of five dense cases becomes a jump table: the loop keeps one poll
; per iteration on one indirect jump, which runs faster than four copies of
; the jump with one poll between them (interp_switch, docs/performance.md).
; CHECK-LABEL: define i64 @jump_table(
; CHECK-NOT:     %op.1
; CHECK:       ret i64
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration, not unrolled: it dispatches through a jump table
; Ablated (SAFEPOINT_ABLATE=jump-table-whole), it is unrolled as before.
; TABLE-LABEL: define i64 @jump_table(
; TABLE:         switch i8 %op.3,
define i64 @jump_table(ptr %code) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop

loop:
  %pc = phi i64 [ 0, %entry ], [ %pc.next, %latch ]
  %acc = phi i64 [ 0, %entry ], [ %acc.next, %latch ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %pending = icmp ne i32 %w, 0
  br i1 %pending, label %slow, label %body, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %body

body:
  %at = getelementptr inbounds i8, ptr %code, i64 %pc
  %op = load i8, ptr %at, align 1
  %pc.next = add i64 %pc, 1
  switch i8 %op, label %exit [
    i8 0, label %c0
    i8 1, label %c1
    i8 2, label %c2
    i8 3, label %c3
    i8 4, label %c4
  ]

c0:
  %a0 = add i64 %acc, 1
  %b0 = mul i64 %a0, 3
  %d0 = xor i64 %b0, 7
  %e0 = mul i64 %d0, %acc
  %f0 = add i64 %e0, %pc
  br label %latch
c1:
  %a1 = sub i64 %acc, 5
  %b1 = mul i64 %a1, 11
  %d1 = xor i64 %b1, 13
  %e1 = mul i64 %d1, %acc
  %f1 = add i64 %e1, %pc
  br label %latch
c2:
  %a2 = shl i64 %acc, 2
  %b2 = add i64 %a2, 17
  %d2 = xor i64 %b2, 19
  %e2 = mul i64 %d2, %acc
  %f2 = add i64 %e2, %pc
  br label %latch
c3:
  %a3 = lshr i64 %acc, 1
  %b3 = mul i64 %a3, 23
  %d3 = add i64 %b3, 29
  %e3 = mul i64 %d3, %acc
  %f3 = add i64 %e3, %pc
  br label %latch
c4:
  %a4 = or i64 %acc, 31
  %b4 = mul i64 %a4, 37
  %d4 = sub i64 %b4, 41
  %e4 = mul i64 %d4, %acc
  %f4 = add i64 %e4, %pc
  br label %latch

latch:
  %acc.next = phi i64 [ %f0, %c0 ], [ %f1, %c1 ], [ %f2, %c2 ], [ %f3, %c3 ], [ %f4, %c4 ]
  br label %loop

exit:
  ret i64 %acc
}

!0 = !{}
!1 = !{!"branch_weights", i32 1, i32 2000}
!2 = distinct !{!2, !3}
!3 = !{!"llvm.loop.unroll.disable"}
