; After inlining, a poll that runs at most 256 IR instructions after a poll
; that stays, on every path, counting a call as one instruction, is removed
; with its slow path; the poll that stays records how far after it the
; removed one was (!safepoint.merged), and a later run counts that
; record against the same budget. Loop, chunk and goto polls, the first
; poll of a function, of a landing pad and of a cycle always stay.
; RUN: %opt_sp -passes=safepoint-redundant-polls -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-redundant-polls -pass-remarks-missed=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: %opt_sp -passes=safepoint-redundant-polls,safepoint-redundant-polls -S %s | FileCheck %s
; RUN: env SAFEPOINT_ABLATE=redundant-polls %opt_sp -passes=safepoint-redundant-polls -S %s | FileCheck %s --check-prefix=ABLATED
; RUN: env SAFEPOINT_ABLATE=redundant-polls-external %opt_sp -passes=safepoint-redundant-polls -S %s | FileCheck %s --check-prefix=EXTERNAL

@__safepoint_pending = external thread_local(initialexec) global i32, align 4

declare void @__safepoint_poll_slow()
declare ptr @llvm.threadlocal.address.p0(ptr)
declare void @may_throw()
declare void @no_throw() nounwind
declare void @use(i32)
declare i32 @__gxx_personality_v0(...)

; Two entry polls with one instruction between them (an inlined callee's):
; the second goes, its slow path and landing pad with it; the first records
; the distance.
; CHECK-LABEL: define void @back_to_back(
; CHECK:         load volatile i32, ptr %tls, align 4, !safepoint.merged [[M6:![0-9]+]]
; CHECK-NOT:     load volatile
; CHECK-NOT:     lpad
; CHECK:         ret void
; REMARK: remark: <unknown>:0:0: poll removed in 'back_to_back': another poll ran at most 6 instructions before it
; ABLATED-LABEL: define void @back_to_back(
; ABLATED-COUNT-2: load volatile
define void @back_to_back(i32 %x) personality ptr @__gxx_personality_v0 {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w1 = load volatile i32, ptr %tls, align 4
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %a
slow1:
  call void @__safepoint_poll_slow()
  br label %a
a:
  %y = add i32 %x, 1
  %w2 = load volatile i32, ptr %tls, align 4
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %b
slow2:
  invoke void @__safepoint_poll_slow()
          to label %b unwind label %lpad
b:
  call void @use(i32 %y)
  ret void
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}

; The budget counts the record: 5 + 251 fits in 256, 5 + 252 does not.
; CHECK-LABEL: define void @recorded(
; CHECK:         %w1 = load volatile i32, ptr %tls, align 4, !safepoint.merged [[M256:![0-9]+]]
; CHECK-NOT:     %w2 = load
; CHECK:         %w3 = load volatile i32, ptr %tls, align 4, !safepoint.merged [[M252:![0-9]+]]
define void @recorded() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w1 = load volatile i32, ptr %tls, align 4
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %a
slow1:
  call void @__safepoint_poll_slow()
  br label %a
a:
  %w2 = load volatile i32, ptr %tls, align 4, !safepoint.merged !{i32 251}
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %b
slow2:
  call void @__safepoint_poll_slow()
  br label %b
b:
  %w3 = load volatile i32, ptr %tls, align 4, !safepoint.merged !{i32 252}
  %p3 = icmp ne i32 %w3, 0
  br i1 %p3, label %slow3, label %c
slow3:
  call void @__safepoint_poll_slow()
  br label %c
c:
  ret void
}

; Every call counts as one instruction: one to a definition (the callee
; polls before unbounded work), one that cannot unwind, and one that may
; unwind into a declaration (the work of uninstrumented code is outside the
; bound, as in PollDistance).
; CHECK-LABEL: define void @calls(
; CHECK:         %w1 = load volatile i32, ptr %tls, align 4, !safepoint.merged [[M14:![0-9]+]]
; CHECK:         call void @may_throw()
; CHECK-NOT:     %w2 = load
; CHECK:         call void @no_throw()
; CHECK-NOT:     %w3 = load
; CHECK:         call void @defined()
; CHECK-NOT:     %w4 = load
; CHECK:         ret void
; With the earlier rule (ablation redundant-polls-external) the distance is
; unknown after a call that may unwind into a declaration: that poll stays.
; EXTERNAL-LABEL: define void @calls(
; EXTERNAL:         %w1 = load volatile
; EXTERNAL:         call void @may_throw()
; EXTERNAL:         %w2 = load volatile i32, ptr %tls, align 4, !safepoint.merged
; EXTERNAL:         call void @no_throw()
; EXTERNAL-NOT:     %w3 = load
; EXTERNAL:         call void @defined()
; EXTERNAL-NOT:     %w4 = load
; EXTERNAL:         ret void
define void @calls() {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w1 = load volatile i32, ptr %tls, align 4
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %a
slow1:
  call void @__safepoint_poll_slow()
  br label %a
a:
  call void @may_throw()
  %w2 = load volatile i32, ptr %tls, align 4
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %b
slow2:
  call void @__safepoint_poll_slow()
  br label %b
b:
  call void @no_throw()
  %w3 = load volatile i32, ptr %tls, align 4
  %p3 = icmp ne i32 %w3, 0
  br i1 %p3, label %slow3, label %c
slow3:
  call void @__safepoint_poll_slow()
  br label %c
c:
  call void @defined()
  %w4 = load volatile i32, ptr %tls, align 4
  %p4 = icmp ne i32 %w4, 0
  br i1 %p4, label %slow4, label %d
slow4:
  call void @__safepoint_poll_slow()
  br label %d
d:
  ret void
}

define void @defined() {
  call void @may_throw()
  ret void
}

; The only poll of a cycle stays, although a poll ran just before the loop
; (the retreating edge makes the distance unknown); an entry poll inlined
; just after a loop poll goes, a loop poll after an entry poll stays.
; CHECK-LABEL: define void @loops(
; CHECK:         %w0 = load volatile
; CHECK:       loop:
; CHECK:         %w1 = load volatile i32, ptr %tls, align 4, !safepoint.merged [[M5:![0-9]+]], !safepoint.loop
; CHECK:       body:
; CHECK-NOT:     %w2 = load
; CHECK:       loop2:
; CHECK:         %w3 = load volatile
; CHECK:         %w4 = load volatile i32, ptr %tls, align 4, !safepoint.loop
; CHECK:         ret void
define void @loops(i32 %n) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w0 = load volatile i32, ptr %tls, align 4
  %p0 = icmp ne i32 %w0, 0
  br i1 %p0, label %slow0, label %loop
slow0:
  call void @__safepoint_poll_slow()
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ 0, %slow0 ], [ %i.next, %body ]
  %w1 = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %inlined
slow1:
  call void @__safepoint_poll_slow()
  br label %inlined
inlined:
  %w2 = load volatile i32, ptr %tls, align 4
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %body
slow2:
  call void @__safepoint_poll_slow()
  br label %body
body:
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, %n
  br i1 %done, label %loop2, label %loop
loop2:
  %j = phi i32 [ 0, %body ], [ %j.next, %body2 ]
  %w3 = load volatile i32, ptr %tls, align 4
  %p3 = icmp ne i32 %w3, 0
  br i1 %p3, label %slow3, label %tagged
slow3:
  call void @__safepoint_poll_slow()
  br label %tagged
tagged:
  %w4 = load volatile i32, ptr %tls, align 4, !safepoint.loop !{}
  %p4 = icmp ne i32 %w4, 0
  br i1 %p4, label %slow4, label %body2
slow4:
  call void @__safepoint_poll_slow()
  br label %body2
body2:
  %j.next = add i32 %j, 1
  %done2 = icmp eq i32 %j.next, %n
  br i1 %done2, label %exit, label %loop2
exit:
  ret void
}

; A poll reached only from polled arms goes, and both arms' polls record
; the distance; a poll reached by a path from the entry that polls nowhere
; stays.
; CHECK-LABEL: define void @joins(
; CHECK:         %w1 = load volatile i32, ptr %tls, align 4, !safepoint.merged [[M5]]
; CHECK:         %w2 = load volatile i32, ptr %tls, align 4, !safepoint.merged [[M5]]
; CHECK-NOT:     %w3 = load
; CHECK:         call void @may_throw()
; CHECK:         %w4 = load volatile i32, ptr %tls, align 4{{$}}
; CHECK:         ret void
define void @joins(i1 %c, i1 %d, i1 %e) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  br i1 %e, label %fork, label %join2
fork:
  br i1 %c, label %left, label %right
left:
  %w1 = load volatile i32, ptr %tls, align 4
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %join
slow1:
  call void @__safepoint_poll_slow()
  br label %join
right:
  %w2 = load volatile i32, ptr %tls, align 4
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %join
slow2:
  call void @__safepoint_poll_slow()
  br label %join
join:
  %w3 = load volatile i32, ptr %tls, align 4
  %p3 = icmp ne i32 %w3, 0
  br i1 %p3, label %slow3, label %join.cont
slow3:
  call void @__safepoint_poll_slow()
  br label %join.cont
join.cont:
  br i1 %d, label %calling, label %join2
calling:
  call void @may_throw()
  br label %join2
join2:
  %w4 = load volatile i32, ptr %tls, align 4
  %p4 = icmp ne i32 %w4, 0
  br i1 %p4, label %slow4, label %exit
slow4:
  call void @__safepoint_poll_slow()
  br label %exit
exit:
  ret void
}

; A goto's poll (an interpreter's dispatch poll, right before its indirect
; jump, where dispatch alternation finds it) stays although another poll ran
; just before it; without the tag it would go.
; CHECK-LABEL: define void @dispatch(
; CHECK:         %w1 = load volatile
; CHECK:         %w2 = load volatile i32, ptr %tls, align 4, !safepoint.goto
; CHECK:         indirectbr
define void @dispatch(ptr %table, i32 %op) {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w1 = load volatile i32, ptr %tls, align 4
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %a
slow1:
  call void @__safepoint_poll_slow()
  br label %a
a:
  call void @may_throw()
  %w2 = load volatile i32, ptr %tls, align 4, !safepoint.goto !{}
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %jump
slow2:
  call void @__safepoint_poll_slow()
  br label %jump
jump:
  %slot = getelementptr ptr, ptr %table, i32 %op
  %target = load ptr, ptr %slot, align 8
  indirectbr ptr %target, [label %handler]
handler:
  ret void
}

; A landing pad's first poll stays: the unwinder ran unknown code.
; CHECK-LABEL: define void @in_landing_pad(
; CHECK:       lpad:
; CHECK:         %w2 = load volatile
define void @in_landing_pad() personality ptr @__gxx_personality_v0 {
entry:
  %tls = call ptr @llvm.threadlocal.address.p0(ptr @__safepoint_pending)
  %w1 = load volatile i32, ptr %tls, align 4
  %p1 = icmp ne i32 %w1, 0
  br i1 %p1, label %slow1, label %a
slow1:
  invoke void @__safepoint_poll_slow()
          to label %a unwind label %lpad
a:
  ret void
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  %w2 = load volatile i32, ptr %tls, align 4
  %p2 = icmp ne i32 %w2, 0
  br i1 %p2, label %slow2, label %b
slow2:
  call void @__safepoint_poll_slow()
  br label %b
b:
  resume { ptr, i32 } %lp
}

; CHECK-DAG: [[M6]] = !{i32 6}
; CHECK-DAG: [[M256]] = !{i32 256}
; CHECK-DAG: [[M252]] = !{i32 252}
; CHECK-DAG: [[M5]] = !{i32 5}
; CHECK-DAG: [[M14]] = !{i32 14}
