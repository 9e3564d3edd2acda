; Lowering of poll markers to the inline check: one initial-exec TLS load, a
; cold branch, and the slow path on the marker's own unwind edge.
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s

declare void @__safepoint_poll_marker(i32)
declare void @work()
declare i32 @__gxx_personality_v0(...)

; The pending word is an initial-exec TLS global: no __tls_get_addr per poll.
; CHECK: @__safepoint_pending = external thread_local(initialexec) global i32, align 4
; The module references the runtime ABI version, so a missing runtime fails to link.
; CHECK: @__safepoint_abi_v1 = external global i32
; CHECK: @__safepoint_abi_ref = internal constant ptr @__safepoint_abi_v1
; CHECK: @llvm.used = {{.*}}@__safepoint_abi_ref

; A marker call becomes load + compare + branch to a cold block calling the
; slow path. The load is volatile (folded into the compare on x86).
; CHECK-LABEL: define void @loop(
; CHECK:       loop:
; CHECK-NEXT:    %i = phi
; CHECK-NEXT:    [[ADDR:%.*]] = call {{.*}}ptr @llvm.threadlocal.address.p0(ptr {{.*}}@__safepoint_pending)
; CHECK-NEXT:    [[W:%.*]] = load volatile i32, ptr [[ADDR]], align 4
; CHECK-NEXT:    [[P:%.*]] = icmp ne i32 [[W]], 0
; CHECK-NEXT:    br i1 [[P]], label %[[SLOW:.*]], label %[[CONT:.*]], !prof [[COLD:![0-9]+]]
; CHECK:       [[SLOW]]:
; CHECK-NEXT:    call void @__safepoint_poll_slow()
; CHECK-NEXT:    br label %[[CONT]]
; CHECK-NOT:   @__safepoint_poll_marker
define void @loop(i32 %n) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  call void @__safepoint_poll_marker(i32 1)
  call void @work()
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; An invoked marker keeps its unwind destination: the slow path is invoked to
; the same landing pad, and PHIs of both successors see the new edges.
; CHECK-LABEL: define void @in_try(
; CHECK:         br i1 {{.*}}, label %[[SLOW:.*]], label %cont, !prof
; CHECK:       [[SLOW]]:
; CHECK-NEXT:    invoke void @__safepoint_poll_slow()
; CHECK-NEXT:            to label %cont unwind label %lpad
; CHECK:       cont:
; CHECK-NEXT:    %v = phi i32 [ 1, %entry ], [ 1, %[[SLOW]] ]
; CHECK:       lpad:
; CHECK-NEXT:    %u = phi i32 [ 2, %[[SLOW]] ], [ 3, %cont ]
define void @in_try() personality ptr @__gxx_personality_v0 {
entry:
  invoke void @__safepoint_poll_marker(i32 1)
          to label %cont unwind label %lpad
cont:
  %v = phi i32 [ 1, %entry ]
  invoke void @work()
          to label %done unwind label %lpad
done:
  ret void
lpad:
  %u = phi i32 [ 2, %entry ], [ 3, %cont ]
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}

; The poll of a strip-mined loop (kind 3) tags its load, so that PollDistance
; can bound the poll-free inner loop by the chunk when SCEV cannot.
; CHECK-LABEL: define void @chunk(
; CHECK:         load volatile i32, ptr {{.*}}, align 4, !safepoint.chunk
define void @chunk() {
  call void @__safepoint_poll_marker(i32 3)
  call void @work()
  ret void
}

; A goto's poll (kind 2) tags its load, so that redundant-poll removal keeps
; an interpreter's dispatch polls for dispatch alternation.
; CHECK-LABEL: define void @goto(
; CHECK:         load volatile i32, ptr {{.*}}, align 4, !safepoint.goto
define void @goto() {
  call void @__safepoint_poll_marker(i32 2)
  call void @work()
  ret void
}

; Under ThreadSanitizer the load is a relaxed atomic one: the senders' atomic
; stores to the word must not be reported as races with every poll.
; CHECK-LABEL: define void @tsan(
; CHECK:         load atomic i32, ptr {{.*}} monotonic, align 4
; CHECK-NOT:     load volatile
; CHECK:         ret void
define void @tsan() sanitize_thread {
entry:
  call void @__safepoint_poll_marker(i32 3)
  call void @work()
  ret void
}

; The slow path is cold and never inlined; to the inliner its call costs
; minus the fast path (poll-inline-cost.ll).
; CHECK: declare void @__safepoint_poll_slow() #[[ATTRS:[0-9]+]]
; CHECK: attributes #[[ATTRS]] = { cold noinline "call-inline-cost"="-15" }
; CHECK: !{i32 7, !"safepoint.lowered", i32 1}
; CHECK: [[COLD]] = !{!"branch_weights", {{.*}}i32 1, i32 {{[0-9]+}}}
