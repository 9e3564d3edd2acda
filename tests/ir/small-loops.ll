; Just before the vectorizer, a loop that runs at most 64 iterations loses
; its poll: by SCEV's maximum trip count, or because the value its exit
; tests starts at 1 or more and at least doubles (a bit-tree decoder). The
; latch records the bound for PollDistance. A start that may be 0, a value
; that only grows by one, a test that some iterations skip, a doubling that
; may wrap, a bound above 64, a poll-free loop nested inside and a poll-free
; loop around keep the poll; so does a loop that poll unrolling, next, will
; unroll with one poll per four iterations (it ran faster than the plain,
; poll-free loop). A poll inlined from a callee's entry into such a loop
; goes too, and in the inner loop of a strip-mined loop, whose chunk bounds
; it, up to a chunk's 1024 iterations within the work budget.
; RUN: %opt_sp -passes=safepoint-small-loops -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-small-loops -pass-remarks-missed=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: %opt_sp -passes=safepoint-small-loops,safepoint-distance -pass-remarks-analysis=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=DISTANCE
; RUN: env SAFEPOINT_ABLATE=small-loops %opt_sp -passes=safepoint-small-loops -S %s | FileCheck %s --check-prefix=ABLATED
; RUN: env SAFEPOINT_ABLATE=small-loops-entry %opt_sp -passes=safepoint-small-loops -S %s | FileCheck %s --check-prefix=LOOPONLY
; RUN: env SAFEPOINT_ABLATE=poll-unroll %opt_sp -passes=safepoint-small-loops -S %s | FileCheck %s --check-prefix=NOUNROLL

@__safepoint_pending = external thread_local(initialexec) global i32, align 4

declare void @__safepoint_poll_slow()
declare ptr @llvm.threadlocal.address.p0(ptr)
declare i1 @bit()

; `for (s = 1; s < 256; ) s = s << 1 | bit();`: at most 9 iterations.
; The entry poll stays, and PollDistance bounds the path after it by the
; recorded 9 iterations (SCEV has no bound for this loop).
; CHECK-LABEL: define i32 @decode(
; CHECK:       loop:
; CHECK-NOT:     load volatile
; CHECK:         br i1 %more, label %loop, label %exit, !safepoint.trips [[T9:![0-9]+]]
; REMARK: remark: <unknown>:0:0: no poll in loop: it runs at most 9 iterations (a value that starts at 1 or more and at least doubles), bounded work
; DISTANCE: remark: <unknown>:0:0: poll-free path in 'decode': at most 66 instructions
; ABLATED-LABEL: define i32 @decode(
; ABLATED:       loop:
; ABLATED:         load volatile
define i32 @decode() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %we = load volatile i32, ptr %tls, align 4
  %pe = icmp ne i32 %we, 0
  br i1 %pe, label %slowe, label %loop
slowe:
  call void @__safepoint_poll_slow()
  br label %loop
loop:
  %s = phi i32 [ 1, %entry ], [ 1, %slowe ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %z = zext i1 %b to i32
  %twice = shl i32 %s, 1
  %next = or i32 %twice, %z
  %more = icmp ult i32 %next, 256
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %next
}

; The same with a start that may be 0 (0 << 1 | 0 stays 0): the poll stays.
; CHECK-LABEL: define i32 @maybe_zero(
; CHECK:         load volatile
define i32 @maybe_zero(i32 %start) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %s = phi i32 [ %start, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %z = zext i1 %b to i32
  %twice = shl i32 %s, 1
  %next = or i32 %twice, %z
  %more = icmp ult i32 %next, 256
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %next
}

; Testing the next value, a start that may be large (an odd argument)
; doubles without nuw: its first doubling may wrap to 0, which then stays 0.
; The poll stays; with nuw it goes.
; CHECK-LABEL: define i32 @large_start(
; CHECK:         load volatile
; CHECK-LABEL: define i32 @large_start_nuw(
; CHECK-NOT:     load volatile
; CHECK:         ret i32
define i32 @large_start(i32 %x) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %start = or i32 %x, 1
  br label %loop
loop:
  %s = phi i32 [ %start, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %z = zext i1 %b to i32
  %twice = shl i32 %s, 1
  %next = or i32 %twice, %z
  %more = icmp ult i32 %next, 256
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %next
}

define i32 @large_start_nuw(i32 %x) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %start = or i32 %x, 1
  br label %loop
loop:
  %s = phi i32 [ %start, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %z = zext i1 %b to i32
  %twice = shl nuw i32 %s, 1
  %next = or i32 %twice, %z
  %more = icmp ult i32 %next, 256
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %next
}

; A start proved at least 1 through a phi and an or, a value that doubles on
; one path and doubles plus one on the other, tested at the header
; (`while (s < 0x100)`): at most 9 iterations.
; CHECK-LABEL: define i32 @two_paths(
; CHECK-NOT:     load volatile
; CHECK:         ret i32
define i32 @two_paths(i32 %x, i1 %c) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %or1 = or i32 %x, 1
  br i1 %c, label %a, label %b
a:
  br label %header
b:
  br label %header
header:
  %s = phi i32 [ %or1, %a ], [ 2, %b ], [ %next, %latch ]
  %more = icmp ult i32 %s, 256
  br i1 %more, label %body, label %exit
body:
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %twice = shl nuw i32 %s, 1
  %bit = call i1 @bit()
  br i1 %bit, label %one, label %latch
one:
  %plus = or i32 %twice, 1
  br label %latch
latch:
  %next = phi i32 [ %twice, %cont ], [ %plus, %one ]
  br label %header
exit:
  ret i32 %s
}

; Growth by one is not growth by doubling: the poll stays.
; CHECK-LABEL: define i32 @by_one(
; CHECK:         load volatile
define i32 @by_one(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %s = phi i32 [ 1, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %z = zext i1 %b to i32
  %next = add nuw i32 %s, %z
  %more = icmp ult i32 %next, 256
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %next
}

; The test runs only in some iterations: the others are not bounded by it.
; CHECK-LABEL: define i32 @skipped_test(
; CHECK:         load volatile
define i32 @skipped_test() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %s = phi i32 [ 1, %entry ], [ %next, %latch ], [ %s, %again ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  br i1 %b, label %again, label %test
again:
  br label %loop
test:
  %next = shl nuw i32 %s, 1
  %more = icmp ult i32 %next, 256
  br i1 %more, label %latch, label %exit
latch:
  br label %loop
exit:
  ret i32 %next
}

; i8 doubling without nuw: below 100 it cannot wrap (7 bits, shifted by one,
; fit in 8), below 200 it can (200 << 1 wraps to 144).
; CHECK-LABEL: define i8 @narrow_fits(
; CHECK-NOT:     load volatile
; CHECK:         ret i8
; CHECK-LABEL: define i8 @narrow_wraps(
; CHECK:         load volatile
define i8 @narrow_fits() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %s = phi i8 [ 1, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %next = shl i8 %s, 1
  %more = icmp ult i8 %next, 100
  br i1 %more, label %loop, label %exit
exit:
  ret i8 %next
}

define i8 @narrow_wraps() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %s = phi i8 [ 1, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %b = call i1 @bit()
  %z = zext i1 %b to i8
  %twice = shl i8 %s, 1
  %next = or i8 %twice, %z
  %more = icmp ult i8 %s, 200
  br i1 %more, label %loop, label %exit
exit:
  ret i8 %next
}

; SCEV's maximum trip count: `for (i = 0; i < n && i < 8; ++i)` loses its
; poll, `i < 100` keeps it (more than 64).
; CHECK-LABEL: define void @scev_max(
; CHECK-NOT:     load volatile
; CHECK:         ret void
; REMARK: remark: <unknown>:0:0: no poll in loop: it runs at most 8 iterations (its maximum trip count), bounded work
; CHECK-LABEL: define void @scev_max_large(
; CHECK:         load volatile
define void @scev_max(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %latch ]
  %in = icmp slt i32 %i, %n
  br i1 %in, label %body, label %exit
body:
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %latch
slow:
  call void @__safepoint_poll_slow()
  br label %latch
latch:
  %i.next = add nuw nsw i32 %i, 1
  %small = icmp ult i32 %i.next, 8
  br i1 %small, label %loop, label %exit
exit:
  ret void
}

define void @scev_max_large(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %latch ]
  %in = icmp slt i32 %i, %n
  br i1 %in, label %body, label %exit
body:
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %latch
slow:
  call void @__safepoint_poll_slow()
  br label %latch
latch:
  %i.next = add nuw nsw i32 %i, 1
  %small = icmp ult i32 %i.next, 100
  br i1 %small, label %loop, label %exit
exit:
  ret void
}

; Nesting: a small loop around a polled loop loses its poll; around a loop
; without a poll (bounded on its own) it keeps it, so that the two bounds
; never multiply.
; CHECK-LABEL: define void @around_polled(
; CHECK:       outer:
; CHECK-NOT:     load volatile
; CHECK:       inner:
; CHECK:         %iw = load volatile
; CHECK-NOT:     load volatile
; CHECK:         ret void
define void @around_polled(ptr %list) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %outer
outer:
  %s = phi i32 [ 1, %entry ], [ %next, %outer.latch ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %inner
slow:
  call void @__safepoint_poll_slow()
  br label %inner
inner:
  %n = phi ptr [ %list, %outer ], [ %list, %slow ], [ %n.next, %inner.cont ]
  %iw = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %ip = icmp ne i32 %iw, 0
  br i1 %ip, label %islow, label %inner.cont
islow:
  call void @__safepoint_poll_slow()
  br label %inner.cont
inner.cont:
  %n.next = load ptr, ptr %n, align 8
  %end = icmp eq ptr %n.next, null
  br i1 %end, label %outer.latch, label %inner
outer.latch:
  %next = shl nuw i32 %s, 1
  %more = icmp ult i32 %next, 256
  br i1 %more, label %outer, label %exit
exit:
  ret void
}

; CHECK-LABEL: define void @around_unpolled(
; CHECK:       outer:
; CHECK:         load volatile
define void @around_unpolled() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %outer
outer:
  %s = phi i32 [ 1, %entry ], [ %next, %outer.latch ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %inner
slow:
  call void @__safepoint_poll_slow()
  br label %inner
inner:
  %j = phi i32 [ 0, %outer ], [ 0, %slow ], [ %j.next, %inner ]
  %j.next = add nuw nsw i32 %j, 1
  %jmore = icmp ult i32 %j.next, 1000
  br i1 %jmore, label %inner, label %outer.latch
outer.latch:
  %next = shl nuw i32 %s, 1
  %more = icmp ult i32 %next, 256
  br i1 %more, label %outer, label %exit
exit:
  ret void
}

; Inside a loop that polls in each iteration, a small loop loses its poll;
; inside a loop without one (bounded by the frontend) it keeps it.
; CHECK-LABEL: define void @inside_polled(
; CHECK:       outer:
; CHECK:         %w = load volatile
; CHECK:       inner:
; CHECK-NOT:     load volatile
; CHECK:         ret void
; CHECK-LABEL: define void @inside_unpolled(
; CHECK:       inner:
; CHECK:         %iw = load volatile
define void @inside_polled(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %outer
outer:
  %j = phi i32 [ 0, %entry ], [ %j.next, %outer.latch ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %inner
slow:
  call void @__safepoint_poll_slow()
  br label %inner
inner:
  %s = phi i32 [ 1, %outer ], [ 1, %slow ], [ %next, %icont ]
  %iw = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %ip = icmp ne i32 %iw, 0
  br i1 %ip, label %islow, label %icont
islow:
  call void @__safepoint_poll_slow()
  br label %icont
icont:
  %b = call i1 @bit()
  %next = shl nuw i32 %s, 1
  %more = icmp ult i32 %next, 256
  br i1 %more, label %inner, label %outer.latch
outer.latch:
  %j.next = add i32 %j, 1
  %again = icmp ne i32 %j.next, %n
  br i1 %again, label %outer, label %exit
exit:
  ret void
}

define void @inside_unpolled() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %outer
outer:
  %j = phi i32 [ 0, %entry ], [ %j.next, %outer.latch ]
  br label %inner
inner:
  %s = phi i32 [ 1, %outer ], [ %next, %icont ]
  %iw = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %ip = icmp ne i32 %iw, 0
  br i1 %ip, label %islow, label %icont
islow:
  call void @__safepoint_poll_slow()
  br label %icont
icont:
  %next = shl nuw i32 %s, 1
  %more = icmp ult i32 %next, 256
  br i1 %more, label %inner, label %outer.latch
outer.latch:
  %j.next = add nuw nsw i32 %j, 1
  %again = icmp ult i32 %j.next, 1000
  br i1 %again, label %outer, label %exit
exit:
  ret void
}

; A short call-free body with the poll at the header: left to poll
; unrolling, unless that is ablated.
; CHECK-LABEL: define i32 @left_to_unrolling(
; CHECK:         load volatile
; NOUNROLL-LABEL: define i32 @left_to_unrolling(
; NOUNROLL-NOT:   load volatile
; NOUNROLL:       ret i32
define i32 @left_to_unrolling(ptr %t) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %s = phi i32 [ 1, %entry ], [ %next, %cont ]
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %cont
slow:
  call void @__safepoint_poll_slow()
  br label %cont
cont:
  %i = zext i32 %s to i64
  %a = getelementptr i8, ptr %t, i64 %i
  %v = load i8, ptr %a, align 1
  %z = zext i8 %v to i32
  %bit = and i32 %z, 1
  %twice = shl i32 %s, 1
  %next = or i32 %twice, %bit
  %more = icmp ult i32 %next, 256
  br i1 %more, label %loop, label %exit
exit:
  ret i32 %next
}

; `for (i = 0; i < n && i < 8; ++i) f();` with f's entry poll inlined (no
; loop poll tag): the loop is small, the poll goes.
; CHECK-LABEL: define void @inlined_entry_small(
; CHECK-NOT:     load volatile
; CHECK:         ret void
; REMARK: remark: <unknown>:0:0: no poll in loop: it runs at most 8 iterations (its maximum trip count), bounded work
; LOOPONLY-LABEL: define void @inlined_entry_small(
; LOOPONLY:         load volatile
define void @inlined_entry_small(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %latch ]
  %in = icmp slt i32 %i, %n
  br i1 %in, label %body, label %exit
body:
  %w = load volatile i32, ptr %tls, align 4
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %latch
slow:
  call void @__safepoint_poll_slow()
  br label %latch
latch:
  %b = call i1 @bit()
  %i.next = add nuw nsw i32 %i, 1
  %small = icmp ult i32 %i.next, 8
  br i1 %small, label %loop, label %exit
exit:
  ret void
}

; The frontend's strip-mined `for (i = 0; i < n; ++i) f();`: a chunk poll
; in the outer loop, an inner loop of umax(umin(n - i, 128), 1) iterations,
; and f's entry poll inlined into it. The inner loop runs at most 128
; iterations, more than 64 but a chunk's: its poll goes, the chunk poll
; stays. The same inner loop under a loop poll, not a chunk poll, keeps
; its inlined poll.
; CHECK-LABEL: define void @inlined_entry_chunk(
; CHECK:       chunk:
; CHECK:         load volatile i32, ptr %tls, align 4, !safepoint.chunk
; CHECK:       inner:
; CHECK-NOT:     load volatile
; CHECK:       chunk.end:
; REMARK: remark: <unknown>:0:0: no poll in loop: it runs at most 128 iterations (its maximum trip count), bounded work
; DISTANCE: remark: <unknown>:0:0: poll-free path in 'inlined_entry_chunk': at most 650 instructions
; LOOPONLY-LABEL: define void @inlined_entry_chunk(
; LOOPONLY:       inner:
; LOOPONLY:         load volatile
; CHECK-LABEL: define void @inlined_entry_not_chunk(
; CHECK:       inner:
; CHECK:         load volatile
define void @inlined_entry_chunk(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %chunk
chunk:
  %i = phi i32 [ 0, %entry ], [ %i.end, %chunk.end ]
  %wc = load volatile i32, ptr %tls, align 4, !safepoint.chunk !{}
  %pc = icmp ne i32 %wc, 0
  br i1 %pc, label %slowc, label %start
slowc:
  call void @__safepoint_poll_slow()
  br label %start
start:
  %left = sub i32 %n, %i
  %m = call i32 @llvm.umin.i32(i32 %left, i32 128)
  %k = call i32 @llvm.umax.i32(i32 %m, i32 1)
  br label %inner
inner:
  %j = phi i32 [ 0, %start ], [ %j.next, %latch ]
  %w = load volatile i32, ptr %tls, align 4
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %latch
slow:
  call void @__safepoint_poll_slow()
  br label %latch
latch:
  %b = call i1 @bit()
  %j.next = add nuw nsw i32 %j, 1
  %more = icmp ult i32 %j.next, %k
  br i1 %more, label %inner, label %chunk.end
chunk.end:
  %i.end = add i32 %i, %k
  %again = icmp slt i32 %i.end, %n
  br i1 %again, label %chunk, label %exit
exit:
  ret void
}

define void @inlined_entry_not_chunk(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br label %chunk
chunk:
  %i = phi i32 [ 0, %entry ], [ %i.end, %chunk.end ]
  %wc = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %pc = icmp ne i32 %wc, 0
  br i1 %pc, label %slowc, label %start
slowc:
  call void @__safepoint_poll_slow()
  br label %start
start:
  %left = sub i32 %n, %i
  %m = call i32 @llvm.umin.i32(i32 %left, i32 128)
  %k = call i32 @llvm.umax.i32(i32 %m, i32 1)
  br label %inner
inner:
  %j = phi i32 [ 0, %start ], [ %j.next, %latch ]
  %w = load volatile i32, ptr %tls, align 4
  %p = icmp ne i32 %w, 0
  br i1 %p, label %slow, label %latch
slow:
  call void @__safepoint_poll_slow()
  br label %latch
latch:
  %b = call i1 @bit()
  %j.next = add nuw nsw i32 %j, 1
  %more = icmp ult i32 %j.next, %k
  br i1 %more, label %inner, label %chunk.end
chunk.end:
  %i.end = add i32 %i, %k
  %again = icmp slt i32 %i.end, %n
  br i1 %again, label %chunk, label %exit
exit:
  ret void
}

declare i32 @llvm.umin.i32(i32, i32)
declare i32 @llvm.umax.i32(i32, i32)

; CHECK: [[T9]] = !{i32 9}
