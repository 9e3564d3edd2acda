; Polls change no inlining decision: the slow call's "call-inline-cost" is
; minus the fast path's cost, so a callee with polls costs the inliner what
; the same callee without them costs.
; RUN: %opt_sp -passes='safepoint,cgscc(inline)' -pass-remarks=inline \
; RUN:   -disable-output %s 2>&1 | FileCheck %s

declare void @__safepoint_poll_marker(i32)

%node = type { ptr, ptr, i32 }

; The same cost, with and without the loop's poll.
; CHECK: 'lower_bound' inlined into 'two' with (cost=[[COST:-?[0-9]+]],
; CHECK: 'lower_bound_plain' inlined into 'two' with (cost=[[COST]],

; A tree walk like libstdc++'s _M_lower_bound: a polled loop.
define ptr @lower_bound(ptr %x, ptr %y, i32 %k) {
entry:
  br label %loop
loop:
  %n = phi ptr [ %x, %entry ], [ %next, %loop ]
  %best = phi ptr [ %y, %entry ], [ %best.next, %loop ]
  call void @__safepoint_poll_marker(i32 1)
  %kp = getelementptr %node, ptr %n, i32 0, i32 2
  %key = load i32, ptr %kp
  %less = icmp ult i32 %key, %k
  %rp = getelementptr %node, ptr %n, i32 0, i32 1
  %lp = getelementptr %node, ptr %n, i32 0, i32 0
  %cp = select i1 %less, ptr %rp, ptr %lp
  %next = load ptr, ptr %cp
  %best.next = select i1 %less, ptr %best, ptr %n
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop
exit:
  ret ptr %best.next
}

define ptr @lower_bound_plain(ptr %x, ptr %y, i32 %k) {
entry:
  br label %loop
loop:
  %n = phi ptr [ %x, %entry ], [ %next, %loop ]
  %best = phi ptr [ %y, %entry ], [ %best.next, %loop ]
  %kp = getelementptr %node, ptr %n, i32 0, i32 2
  %key = load i32, ptr %kp
  %less = icmp ult i32 %key, %k
  %rp = getelementptr %node, ptr %n, i32 0, i32 1
  %lp = getelementptr %node, ptr %n, i32 0, i32 0
  %cp = select i1 %less, ptr %rp, ptr %lp
  %next = load ptr, ptr %cp
  %best.next = select i1 %less, ptr %best, ptr %n
  %end = icmp eq ptr %next, null
  br i1 %end, label %exit, label %loop
exit:
  ret ptr %best.next
}

define ptr @two(ptr %x, ptr %y, i32 %k) {
  %a = call ptr @lower_bound(ptr %x, ptr %y, i32 %k)
  %b = call ptr @lower_bound_plain(ptr %a, ptr %y, i32 %k)
  ret ptr %b
}
