; Just before the vectorizer, an innermost loop whose only call is the
; back-edge poll at the start of its header (!safepoint.loop) is strip-mined:
; the inner loop counts down a chunk of 1024 iterations and has no poll; the
; poll moves to the chunk boundary with the same unwind destination. Only
; loops the vectorizer may take are chunked: loops that make calls, have side
; effects before the poll, several exits, no computable trip count or
; indirect memory accesses are left polling every iteration.
; RUN: %opt_sp -passes=safepoint-strip-mine -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-strip-mine -pass-remarks=safepoint -pass-remarks-missed=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: %opt_sp -passes='safepoint-strip-mine,loop-vectorize' -force-vector-width=4 -S %s | FileCheck %s --check-prefix=VEC
; RUN: env SAFEPOINT_ABLATE=strip-mine-version %opt_sp -passes='safepoint-strip-mine' -S %s | FileCheck %s --check-prefix=NOCOPY
; RUN: env SAFEPOINT_ABLATE=work-budget %opt_sp -passes=safepoint-strip-mine -S %s | FileCheck %s --check-prefix=BUDGET
; RUN: env SAFEPOINT_ABLATE=strip-mine-ir %opt_sp -passes=safepoint-strip-mine -S %s | FileCheck %s --check-prefix=ABLATED

@__safepoint_pending = external thread_local(initialexec) global i32, align 4

declare void @__safepoint_poll_slow()
declare void @opaque()
declare noalias ptr @malloc(i64)
declare i32 @__gxx_personality_v0(...)

; A counted loop: chunk header, counter, combined latch test, and a poll at
; the end of each chunk, also when the loop ends (so that a short inner loop
; of an outer loop polls on every run).
; CHECK-LABEL: define void @fill(
; CHECK:       safepoint.chunk.header:
; CHECK-NEXT:    %i.chunk = phi i64 [ 0, %entry ], [ %i.next.lcssa, %safepoint.chunk.header.backedge ]
; CHECK:       loop:
; CHECK-NEXT:    %safepoint.k = phi i32 [ 1024, %safepoint.chunk.header ], [ %safepoint.k.next, %cont ]
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         %safepoint.go = select i1 %more, i1 %safepoint.chunk.left, i1 false
; CHECK-NEXT:    br i1 %safepoint.go, label %loop, label %safepoint.chunk.end, !llvm.loop
; CHECK:       safepoint.chunk.end:
; CHECK:         br label %safepoint.chunk.poll
; CHECK:       safepoint.chunk.poll:
; CHECK:         load volatile i32, ptr %{{.*}}, align 4, !safepoint.chunk
; CHECK-NEXT:    %safepoint.is_pending = icmp ne i32 %safepoint.pending, 0
; CHECK-NEXT:    br i1 %safepoint.is_pending, label %safepoint.chunk.slow, label %safepoint.chunk.next
; CHECK:       safepoint.chunk.slow:
; CHECK-NEXT:    call void @__safepoint_poll_slow()
; CHECK-NEXT:    br i1 %more.lcssa, label %safepoint.chunk.header.backedge, label %exit
; CHECK:       safepoint.chunk.next:
; CHECK-NEXT:    br i1 %more.lcssa, label %safepoint.chunk.header.backedge, label %exit
; REMARK: remark: <unknown>:0:0: loop strip-mined after optimization: one poll per 1024 iterations, the inner loop has no poll
; VEC-LABEL: define void @fill(
; VEC:         vector.body:
; VEC:           store <4 x i32>
; ABLATED-LABEL: define void @fill(
; ABLATED-NOT:   safepoint.chunk
; ABLATED:       ret void
define void @fill(ptr %a, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %p = getelementptr inbounds i32, ptr %a, i64 %i
  %v = trunc i64 %i to i32
  store i32 %v, ptr %p, align 4
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit, !llvm.loop !2

exit:
  ret void
}

; A heavier body runs fewer iterations per chunk: as many as fit the work
; budget of 16384 IR instructions (a power of two), here 256 of a body of
; about 50. (SAFEPOINT_ABLATE=work-budget: 1024.)
; CHECK-LABEL: define void @heavy(
; CHECK:       loop:
; CHECK-NEXT:    %safepoint.k = phi i32 [ 256, %safepoint.chunk.header ], [ %safepoint.k.next, %cont ]
; REMARK: remark: <unknown>:0:0: loop strip-mined after optimization: one poll per 256 iterations, the inner loop has no poll
; BUDGET-LABEL: define void @heavy(
; BUDGET:        %safepoint.k = phi i32 [ 1024, %safepoint.chunk.header ]
define void @heavy(ptr %a, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %p = getelementptr inbounds i32, ptr %a, i64 %i
  %x0 = load i32, ptr %p, align 4
  %x1 = mul i32 %x0, 3
  %x2 = xor i32 %x1, 4
  %x3 = mul i32 %x2, 5
  %x4 = xor i32 %x3, 6
  %x5 = mul i32 %x4, 7
  %x6 = xor i32 %x5, 8
  %x7 = mul i32 %x6, 9
  %x8 = xor i32 %x7, 10
  %x9 = mul i32 %x8, 11
  %x10 = xor i32 %x9, 12
  %x11 = mul i32 %x10, 13
  %x12 = xor i32 %x11, 14
  %x13 = mul i32 %x12, 15
  %x14 = xor i32 %x13, 16
  %x15 = mul i32 %x14, 17
  %x16 = xor i32 %x15, 18
  %x17 = mul i32 %x16, 19
  %x18 = xor i32 %x17, 20
  %x19 = mul i32 %x18, 21
  %x20 = xor i32 %x19, 22
  %x21 = mul i32 %x20, 23
  %x22 = xor i32 %x21, 24
  %x23 = mul i32 %x22, 25
  %x24 = xor i32 %x23, 26
  %x25 = mul i32 %x24, 27
  %x26 = xor i32 %x25, 28
  %x27 = mul i32 %x26, 29
  %x28 = xor i32 %x27, 30
  %x29 = mul i32 %x28, 31
  %x30 = xor i32 %x29, 32
  %x31 = mul i32 %x30, 33
  %x32 = xor i32 %x31, 34
  %x33 = mul i32 %x32, 35
  %x34 = xor i32 %x33, 36
  %x35 = mul i32 %x34, 37
  %x36 = xor i32 %x35, 38
  %x37 = mul i32 %x36, 39
  %x38 = xor i32 %x37, 40
  %x39 = mul i32 %x38, 41
  %x40 = xor i32 %x39, 42
  store i32 %x40, ptr %p, align 4
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit, !llvm.loop !2

exit:
  ret void
}

; A poll with cleanups: the chunk's poll invokes the slow path with the same
; landing pad, which receives the header phi's value on the back-edge.
; CHECK-LABEL: define void @cleanup(
; CHECK:       safepoint.chunk.slow:
; CHECK-NEXT:    invoke void @__safepoint_poll_slow()
; CHECK-NEXT:      to label %safepoint.chunk.resume unwind label %lpad
; CHECK:       lpad:
; CHECK-NEXT:    [[AT:%.*]] = phi i64 [ %i.next.lcssa, %safepoint.chunk.slow ]
; CHECK:         store i64 [[AT]], ptr %a
define void @cleanup(ptr %a, i64 %n) personality ptr @__gxx_personality_v0 {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %busy = icmp ne i32 %w, 0
  br i1 %busy, label %slow, label %cont, !prof !4

slow:
  invoke void @__safepoint_poll_slow()
          to label %cont unwind label %lpad

cont:
  %p = getelementptr inbounds i32, ptr %a, i64 %i
  store i32 0, ptr %p, align 4
  %i.next = add nuw nsw i64 %i, 1
  %done = icmp eq i64 %i.next, %n
  br i1 %done, label %exit, label %loop

exit:
  ret void

lpad:
  %at = phi i64 [ %i, %slow ]
  %lp = landingpad { ptr, i32 } cleanup
  store i64 %at, ptr %a, align 8
  resume { ptr, i32 } %lp
}

; The slow path reloads a bound the slow call may have changed (GVN's
; load PRE): the chunk's slow path reloads it too, for the next chunk.
; CHECK-LABEL: define void @reload(
; CHECK:         %bound.chunk{{.*}} = phi i64 [ [[RELOADED:%n1[0-9]*]], %safepoint.chunk.slow ], [ %n0, %entry ]
; CHECK:         %more = icmp slt i64 %i.next, %bound.chunk
; CHECK:       safepoint.chunk.slow:
; CHECK:         call void @__safepoint_poll_slow()
; CHECK-NEXT:    [[RELOADED]] = load i64, ptr %np, align 8
define void @reload(ptr %a, ptr %np) {
entry:
  %n0 = load i64, ptr %np, align 8
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %bound = phi i64 [ %n0, %entry ], [ %bound.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  %n1 = load i64, ptr %np, align 8
  br label %cont

cont:
  %bound.next = phi i64 [ %bound, %loop ], [ %n1, %slow ]
  %p = getelementptr inbounds i32, ptr %a, i64 %i
  store i32 1, ptr %p, align 4
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp slt i64 %i.next, %bound.next
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; Another call in the loop: left alone.
; CHECK-LABEL: define void @calls(
; CHECK-NOT:     safepoint.chunk
; CHECK:         ret void
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration: it makes calls
define void @calls(i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  call void @opaque()
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; A store before the poll: moving the poll would change what it sees.
; CHECK-LABEL: define void @store_first(
; CHECK-NOT:     safepoint.chunk
; CHECK:         ret void
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration: its header has side effects before the poll
define void @store_first(ptr %a, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  store i64 %i, ptr %a, align 8
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; A pointer chase has no computable trip count: left alone, it polls every
; iteration.
; CHECK-LABEL: define i32 @chase(
; CHECK-NOT:     safepoint.chunk
; CHECK:         ret i32
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration: its trip count is not computable
define i32 @chase(ptr %head) {
entry:
  br label %loop

loop:
  %p = phi ptr [ %head, %entry ], [ %next, %cont ]
  %s = phi i32 [ 0, %entry ], [ %s.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %vp = getelementptr inbounds i8, ptr %p, i64 8
  %v = load i32, ptr %vp, align 4
  %s.next = add i32 %s, %v
  %next = load ptr, ptr %p, align 8
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop

exit:
  ret i32 %s.next
}

; A bound loaded from an invariant address looks countable, but the loop's
; store may write it, so LICM cannot hoist it and SCEV still cannot count the
; loop: the chunk shrinks to one iteration (a poll every iteration).
; CHECK-LABEL: define void @aliased(
; CHECK:         %safepoint.k = phi i32 [ 1, %safepoint.chunk.header ]
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration: its trip count is not computable
define void @aliased(ptr %a, ptr %np) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %p = getelementptr inbounds i64, ptr %a, i64 %i
  store i64 0, ptr %p, align 8
  %n = load i64, ptr %np, align 8
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

; A pointer the function has just allocated, which the slow path reloads (a
; handshake may change the field): joined with the reload, a store through it
; may write the bound, as in @aliased. The chunks keep the fresh pointer, so
; the bound leaves the loop; the chunk's slow path compares the reload with
; it and, if it changed, goes on in a copy of the loop that polls every
; iteration, on the same landing pad.
; CHECK-LABEL: define void @fresh(
; CHECK:       safepoint.chunk.header:
; CHECK-NOT:     phi ptr
; CHECK:         %n = load i32, ptr %np, align 4
; CHECK:       cont:
; CHECK-NEXT:    %a = getelementptr inbounds i32, ptr %p0, i64 %i
; CHECK:       safepoint.chunk.slow:
; CHECK-NEXT:    invoke void @__safepoint_poll_slow()
; CHECK-NEXT:            to label %safepoint.chunk.resume unwind label %[[CHUNK_LPAD:.*]]
; CHECK:       safepoint.chunk.resume:
; CHECK-NEXT:    [[RELOAD:%p1[0-9]*]] = load ptr, ptr %obj, align 8
; CHECK:       safepoint.chunk.resume.same:
; CHECK-NEXT:    %safepoint.unchanged = icmp eq ptr [[RELOAD]], %p0
; CHECK-NEXT:    br i1 %safepoint.unchanged, label %safepoint.chunk.header.backedge, label %loop.polled.preheader, !prof [[LIKELY:![0-9]+]]
; CHECK:       loop.polled.preheader:
; CHECK-NEXT:    [[FROM:%.*]] = phi ptr [ [[RELOAD]], %safepoint.chunk.resume.same ]
; CHECK:       {{^}}[[COPY_LPAD:lpad[^:]*]]:
; CHECK-NEXT:    %i.polled.lcssa = phi i64 [ %i.polled, %slow.polled ]
; CHECK:       {{^}}[[CHUNK_LPAD]]:
; CHECK-NEXT:    phi i64 [ %i.next.lcssa, %safepoint.chunk.slow ]
; CHECK:       loop.polled:
; CHECK:         %p.polled = phi ptr [ %p.next.polled, %cont.polled ], [ [[FROM]], %loop.polled.preheader ]
; CHECK:         load volatile i32, ptr %tls.polled, align 4, !safepoint.loop
; CHECK:       slow.polled:
; CHECK-NEXT:    invoke void @__safepoint_poll_slow()
; CHECK-NEXT:            to label %resume.polled unwind label %[[COPY_LPAD]]
; CHECK:         br i1 %more.polled, label %loop.polled, label %exit.loopexit, !llvm.loop [[COPY:![0-9]+]]
; REMARK: remark: <unknown>:0:0: loop strip-mined after optimization
; VEC-LABEL: define void @fresh(
; VEC:         store <4 x i32> zeroinitializer
; NOCOPY-LABEL: define void @fresh(
; NOCOPY-NOT:    .polled
; NOCOPY:        %safepoint.k = phi i32 [ 1, %safepoint.chunk.header ]
define void @fresh(ptr %obj) personality ptr @__gxx_personality_v0 {
entry:
  %p0 = call noalias ptr @malloc(i64 4096)
  store ptr %p0, ptr %obj, align 8
  %np = getelementptr inbounds i8, ptr %obj, i64 8
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %p = phi ptr [ %p0, %entry ], [ %p.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  invoke void @__safepoint_poll_slow()
          to label %resume unwind label %lpad

resume:
  %p1 = load ptr, ptr %obj, align 8
  br label %cont

cont:
  %p.next = phi ptr [ %p, %loop ], [ %p1, %resume ]
  %a = getelementptr inbounds i32, ptr %p.next, i64 %i
  store i32 0, ptr %a, align 4
  %i.next = add nuw nsw i64 %i, 1
  %n = load i32, ptr %np, align 4
  %n64 = sext i32 %n to i64
  %more = icmp slt i64 %i.next, %n64
  br i1 %more, label %loop, label %exit, !llvm.loop !2

exit:
  ret void

lpad:
  %at = phi i64 [ %i, %slow ]
  %lp = landingpad { ptr, i32 } cleanup
  store i64 %at, ptr %np, align 8
  resume { ptr, i32 } %lp
}

; An indirect access (a gather) keeps the loop scalar: left alone.
; CHECK-LABEL: define double @gather(
; CHECK-NOT:     safepoint.chunk
; CHECK:         ret double
; REMARK: remark: <unknown>:0:0: loop keeps its poll in every iteration: it accesses memory through computed addresses
define double @gather(ptr %col, ptr %val, i64 %n) {
entry:
  br label %loop

loop:
  %k = phi i64 [ 0, %entry ], [ %k.next, %cont ]
  %s = phi double [ 0.0, %entry ], [ %s.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4, !safepoint.loop !0
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %cp = getelementptr inbounds i32, ptr %col, i64 %k
  %c = load i32, ptr %cp, align 4
  %ci = zext i32 %c to i64
  %vp = getelementptr inbounds double, ptr %val, i64 %ci
  %v = load double, ptr %vp, align 8
  %s.next = fadd double %s, %v
  %k.next = add nuw nsw i64 %k, 1
  %more = icmp ult i64 %k.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret double %s.next
}

; A poll without the loop tag (an entry or goto poll) is not moved.
; CHECK-LABEL: define void @untagged(
; CHECK-NOT:     safepoint.chunk
; CHECK:         ret void
define void @untagged(ptr %a, i64 %n) {
entry:
  br label %loop

loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %cont ]
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w = load volatile i32, ptr %tls, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %cont, label %slow, !prof !1

slow:
  call void @__safepoint_poll_slow()
  br label %cont

cont:
  %p = getelementptr inbounds i32, ptr %a, i64 %i
  store i32 0, ptr %p, align 4
  %i.next = add nuw nsw i64 %i, 1
  %more = icmp ult i64 %i.next, %n
  br i1 %more, label %loop, label %exit

exit:
  ret void
}

declare ptr @llvm.threadlocal.address.p0(ptr)

!0 = !{}
!1 = !{!"branch_weights", i32 2000, i32 1}
!2 = distinct !{!2, !3}
!3 = !{!"llvm.loop.mustprogress"}
!4 = !{!"branch_weights", i32 1, i32 2000}

; The copy's own loop ID: not unrolled, still mustprogress.
; CHECK: [[LIKELY]] = !{!"branch_weights", i32 1048575, i32 1}
; CHECK: [[COPY]] = distinct !{[[COPY]], [[UNROLL:![0-9]+]], [[MUSTPROGRESS:![0-9]+]]}
; CHECK: [[UNROLL]] = !{!"llvm.loop.unroll.disable"}
