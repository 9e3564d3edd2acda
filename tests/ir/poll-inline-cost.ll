; Polls change no inlining decision: the slow call's "call-inline-cost" is
; minus the fast path's cost, so a callee with polls costs the inliner what
; the same callee without them costs. A chunk poll's slow call also cancels
; the strip-mining's loop control (ChunkControlInstrs, 8 instructions).
; RUN: %opt_sp -passes='safepoint,cgscc(inline)' -pass-remarks=inline \
; RUN:   -disable-output %s 2>&1 | FileCheck %s
; RUN: env SAFEPOINT_ABLATE=chunk-inline-cost %opt_sp -passes='safepoint,cgscc(inline)' \
; RUN:   -pass-remarks=inline -disable-output %s 2>&1 | FileCheck %s --check-prefix=ABLATED
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=ATTR

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

; for (i = 0; i < n; ++i) s += a[i] * 3, strip-mined as the frontend does (a
; chunk poll, then umax(umin(n - i, 256), 1) iterations), costs no more than
; the plain loop; without the chunk's weight, 40 more.
; CHECK: 'sum_chunked' inlined into 'both' with (cost=0,
; CHECK: 'sum_plain' inlined into 'both' with (cost=5,
; ABLATED: 'sum_chunked' inlined into 'both' with (cost=40,
; ABLATED: 'sum_plain' inlined into 'both' with (cost=5,
; ATTR-LABEL: define i32 @sum_chunked(
; ATTR:         call void @__safepoint_poll_slow() #[[CHUNK:[0-9]+]]
; ATTR: attributes #[[CHUNK]] = { "call-inline-cost"="-55" }
define i32 @sum_chunked(ptr %a, i32 %n) {
entry:
  %any = icmp sgt i32 %n, 0
  br i1 %any, label %chunk, label %exit
chunk:
  %i = phi i32 [ 0, %entry ], [ %i.end, %chunk.end ]
  %s = phi i32 [ 0, %entry ], [ %s.next, %chunk.end ]
  call void @__safepoint_poll_marker(i32 3)
  %left = sub i32 %n, %i
  %m = call i32 @llvm.umin.i32(i32 %left, i32 256)
  %c = call i32 @llvm.umax.i32(i32 %m, i32 1)
  br label %body
body:
  %k = phi i32 [ 0, %chunk ], [ %k.next, %body ]
  %t = phi i32 [ %s, %chunk ], [ %s.next, %body ]
  %j = add i32 %i, %k
  %p = getelementptr i32, ptr %a, i32 %j
  %v = load i32, ptr %p
  %v3 = mul i32 %v, 3
  %s.next = add i32 %t, %v3
  %k.next = add i32 %k, 1
  %more = icmp ult i32 %k.next, %c
  br i1 %more, label %body, label %chunk.end
chunk.end:
  %i.end = add i32 %i, %c
  %again = icmp slt i32 %i.end, %n
  br i1 %again, label %chunk, label %exit
exit:
  %r = phi i32 [ 0, %entry ], [ %s.next, %chunk.end ]
  ret i32 %r
}

define i32 @sum_plain(ptr %a, i32 %n) {
entry:
  %any = icmp sgt i32 %n, 0
  br i1 %any, label %body, label %exit
body:
  %i = phi i32 [ 0, %entry ], [ %i.next, %body ]
  %t = phi i32 [ 0, %entry ], [ %s.next, %body ]
  %p = getelementptr i32, ptr %a, i32 %i
  %v = load i32, ptr %p
  %v3 = mul i32 %v, 3
  %s.next = add i32 %t, %v3
  %i.next = add i32 %i, 1
  %more = icmp slt i32 %i.next, %n
  br i1 %more, label %body, label %exit
exit:
  %r = phi i32 [ 0, %entry ], [ %s.next, %body ]
  ret i32 %r
}

define i32 @both(ptr %a, i32 %n) {
  %x = call i32 @sum_chunked(ptr %a, i32 %n)
  %y = call i32 @sum_plain(ptr %a, i32 %n)
  %r = add i32 %x, %y
  ret i32 %r
}

declare i32 @llvm.umin.i32(i32, i32)
declare i32 @llvm.umax.i32(i32, i32)
