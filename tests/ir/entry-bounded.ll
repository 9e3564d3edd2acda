; Entry polls are dropped where the function cannot recurse and does bounded
; work before its first poll: every call goes to an intrinsic, to a C
; library string or memory function that cannot unwind, or to a small
; call tree (acyclic CFG, calls only small trees, at most 256 IR instructions
; in all, defined here and not interposable), and no such call lies on a
; cycle of the CFG that avoids every poll; or to a function defined here
; that keeps its entry poll, which polls before anything else.
; RUN: %opt_sp -passes=safepoint -S %s 2>&1 | FileCheck %s
; RUN: %opt_sp -passes=safepoint -pass-remarks-missed=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: %opt_sp -passes='safepoint<naive>' -S %s 2>&1 | FileCheck %s --check-prefix=NAIVE
; RUN: env SAFEPOINT_ABLATE=entry-libcalls %opt_sp -passes=safepoint -S %s 2>&1 | FileCheck %s --check-prefix=LIBCALLS
; RUN: env SAFEPOINT_ABLATE=entry-polling-callees %opt_sp -passes=safepoint -S %s 2>&1 | FileCheck %s --check-prefix=CALLEES

declare void @__safepoint_poll_marker(i32)
declare void @callee()
declare i32 @llvm.smax.i32(i32, i32)

; A leaf without loops keeps no poll; intrinsics do not count as calls.
; CHECK-LABEL: define i32 @leaf(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret i32
; REMARK: no poll at entry of 'leaf': it cannot recurse without polling and does bounded work before its first poll
define i32 @leaf(i32 %x) {
  call void @__safepoint_poll_marker(i32 0)
  %m = call i32 @llvm.smax.i32(i32 %x, i32 0)
  ret i32 %m
}

; Naive placement keeps every entry poll.
; NAIVE-LABEL: define i32 @leaf(
; NAIVE:         call void @__safepoint_poll_slow()

; A function that calls a declaration keeps its entry poll: the callee may
; call back (recursion) or run long.
; CHECK-LABEL: define void @caller(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call void @callee()
define void @caller() {
  call void @__safepoint_poll_marker(i32 0)
  call void @callee()
  ret void
}

; A call to a C library string or memory function that cannot unwind does
; not keep the entry poll: it runs uninstrumented code and cannot call back.
; The same function declared without nounwind, or another library function,
; keeps it (its caller below too: a tree may call only leaves and trees).
; CHECK-LABEL: define i32 @compare(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret i32
; REMARK: no poll at entry of 'compare'
; CHECK-LABEL: define i32 @compares_twice(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret i32
; CHECK-LABEL: define i32 @compare_may_throw(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK-LABEL: define i32 @sorts(
; CHECK:         call void @__safepoint_poll_slow()
; LIBCALLS-LABEL: define i32 @compare(
; LIBCALLS:         call void @__safepoint_poll_slow()
define i32 @compare(ptr %a, ptr %b, i64 %n) {
  call void @__safepoint_poll_marker(i32 0)
  %r = call i32 @memcmp(ptr %a, ptr %b, i64 %n) nounwind
  ret i32 %r
}

define i32 @compares_twice(ptr %a, ptr %b, i64 %n) {
  call void @__safepoint_poll_marker(i32 0)
  %r = call i32 @compare(ptr %a, ptr %b, i64 %n)
  %l = call i64 @strlen(ptr %a) nounwind
  %t = trunc i64 %l to i32
  %s = add i32 %r, %t
  ret i32 %s
}

define i32 @compare_may_throw(ptr %a, ptr %b, i64 %n) {
  call void @__safepoint_poll_marker(i32 0)
  %r = call i32 @memcmp(ptr %a, ptr %b, i64 %n)
  ret i32 %r
}

define i32 @sorts(ptr %a, i64 %n, ptr %cmp) {
  call void @__safepoint_poll_marker(i32 0)
  call void @qsort(ptr %a, i64 %n, i64 8, ptr %cmp) nounwind
  ret i32 0
}

declare i32 @memcmp(ptr, ptr, i64)
declare i64 @strlen(ptr)
declare void @qsort(ptr, i64, i64, ptr)

; A small call tree: acyclic, calls only small trees defined here.
; CHECK-LABEL: define i32 @tree(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret i32
; REMARK: no poll at entry of 'tree'
define i32 @tree(i32 %x) {
  call void @__safepoint_poll_marker(i32 0)
  %a = call i32 @leaf(i32 %x)
  %b = call i32 @leaf(i32 %a)
  ret i32 %b
}

; Self-recursion keeps the entry poll.
; CHECK-LABEL: define i32 @rec(
; CHECK:         call void @__safepoint_poll_slow()
define i32 @rec(i32 %x) {
  call void @__safepoint_poll_marker(i32 0)
  %c = icmp eq i32 %x, 0
  br i1 %c, label %done, label %more
more:
  %y = sub i32 %x, 1
  %r = call i32 @rec(i32 %y)
  ret i32 %r
done:
  ret i32 0
}

; A range decoder: `bit` refills its buffer on a rare path through `refill`,
; which calls code defined elsewhere and keeps its entry poll. That call is
; a poll, so `bit` needs none of its own, nor does each copy of it inlined
; into a byte decoder. `byte` calls `bit`, which no longer polls first: it
; keeps its entry poll. (SAFEPOINT_ABLATE=entry-polling-callees: `bit`
; keeps its entry poll too.)
; CHECK-LABEL: define void @refill(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK-LABEL: define i32 @bit(
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         ret i32
; CHECK-LABEL: define i32 @byte(
; CHECK:         call void @__safepoint_poll_slow()
; REMARK: no poll at entry of 'bit': it cannot recurse without polling and does bounded work before its first poll (no calls but small call trees and functions that poll at their entry, bounded loops)
; CALLEES-LABEL: define i32 @bit(
; CALLEES:         call void @__safepoint_poll_slow()
define void @refill() {
  call void @__safepoint_poll_marker(i32 0)
  call void @callee()
  ret void
}
define i32 @bit(i32 %code, i32 %range) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %low = icmp ult i32 %range, 16777216
  br i1 %low, label %more, label %decode
more:
  call void @refill()
  br label %decode
decode:
  %b = and i32 %code, 1
  ret i32 %b
}
define i32 @byte(i32 %code, i32 %range) {
  call void @__safepoint_poll_marker(i32 0)
  %a = call i32 @bit(i32 %code, i32 %range)
  %b = call i32 @bit(i32 %a, i32 %range)
  %c = add i32 %a, %b
  ret i32 %c
}

; An inline function's copy (linkonce_odr) that keeps its entry poll here may
; be replaced at link time by another translation unit's, which may not:
; a call to it is not a poll.
; CHECK-LABEL: define i32 @bit_odr(
; CHECK:         call void @__safepoint_poll_slow()
define linkonce_odr void @refill_odr() {
  call void @__safepoint_poll_marker(i32 0)
  call void @callee()
  ret void
}
define i32 @bit_odr(i32 %code) {
  call void @__safepoint_poll_marker(i32 0)
  call void @refill_odr()
  ret i32 %code
}

; Mutual recursion keeps one of the two entry polls: ping is decided first,
; pong cannot rely on ping (still being decided) and keeps its poll, so
; ping's call to pong is a poll and ping drops its own. Every cycle of calls
; passes pong's entry. (SAFEPOINT_ABLATE=entry-polling-callees: both stay.)
; CHECK-LABEL: define void @ping(
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         ret void
; CHECK-LABEL: define void @pong(
; CHECK:         call void @__safepoint_poll_slow()
; REMARK: no poll at entry of 'ping': it cannot recurse without polling and does bounded work before its first poll
; CALLEES-LABEL: define void @ping(
; CALLEES:         call void @__safepoint_poll_slow()
; CALLEES-LABEL: define void @pong(
; CALLEES:         call void @__safepoint_poll_slow()
define void @ping() {
  call void @__safepoint_poll_marker(i32 0)
  call void @pong()
  ret void
}
define void @pong() {
  call void @__safepoint_poll_marker(i32 0)
  call void @ping()
  ret void
}

; A weak callee may be replaced at link time by anything: not a small tree.
; CHECK-LABEL: define void @calls_weak(
; CHECK:         call void @__safepoint_poll_slow()
define weak void @weak_leaf() {
  ret void
}
define void @calls_weak() {
  call void @__safepoint_poll_marker(i32 0)
  call void @weak_leaf()
  ret void
}

; A function with polled loops and no calls needs no entry poll: its loops
; poll, and it cannot recurse.
; CHECK-LABEL: define void @with_loop(
; CHECK-COUNT-1: call void @__safepoint_poll_slow()
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         ret void
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

; A small tree called inside a polled loop: the entry poll goes, the loop's stays.
; CHECK-LABEL: define void @tree_in_polled_loop(
; CHECK-COUNT-1: call void @__safepoint_poll_slow()
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         ret void
define void @tree_in_polled_loop(i32 %n) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %body ]
  call void @__safepoint_poll_marker(i32 1)
  br label %body
body:
  %t = call i32 @tree(i32 %i)
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; A small tree called on a cycle without a poll (a loop the frontend bounded)
; keeps the entry poll: the calls repeat without one.
; CHECK-LABEL: define void @tree_in_bounded_loop(
; CHECK:         call void @__safepoint_poll_slow()
define void @tree_in_bounded_loop() {
entry:
  call void @__safepoint_poll_marker(i32 0)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  %t = call i32 @tree(i32 %i)
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, 16
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; A callee with a loop is not a small tree, even without calls or polls.
; CHECK-LABEL: define void @calls_looping_leaf(
; CHECK:         call void @__safepoint_poll_slow()
define internal void @looping_leaf() {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, 16
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
define void @calls_looping_leaf() {
  call void @__safepoint_poll_marker(i32 0)
  call void @looping_leaf()
  ret void
}

; Over the budget: 120 calls to @leaf (3 or 4 instructions each, with the call) are
; no small tree, so a caller of @fat keeps its entry poll. @fat itself has
; bounded work (one small tree per call site) and drops its own.
; CHECK-LABEL: define void @fat(
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         ret void
; CHECK-LABEL: define void @calls_fat(
; CHECK:         call void @__safepoint_poll_slow()
define void @fat(i32 %x) {
  call void @__safepoint_poll_marker(i32 0)
  %c1 = call i32 @leaf(i32 %x)
  %c2 = call i32 @leaf(i32 %x)
  %c3 = call i32 @leaf(i32 %x)
  %c4 = call i32 @leaf(i32 %x)
  %c5 = call i32 @leaf(i32 %x)
  %c6 = call i32 @leaf(i32 %x)
  %c7 = call i32 @leaf(i32 %x)
  %c8 = call i32 @leaf(i32 %x)
  %c9 = call i32 @leaf(i32 %x)
  %c10 = call i32 @leaf(i32 %x)
  %c11 = call i32 @leaf(i32 %x)
  %c12 = call i32 @leaf(i32 %x)
  %c13 = call i32 @leaf(i32 %x)
  %c14 = call i32 @leaf(i32 %x)
  %c15 = call i32 @leaf(i32 %x)
  %c16 = call i32 @leaf(i32 %x)
  %c17 = call i32 @leaf(i32 %x)
  %c18 = call i32 @leaf(i32 %x)
  %c19 = call i32 @leaf(i32 %x)
  %c20 = call i32 @leaf(i32 %x)
  %c21 = call i32 @leaf(i32 %x)
  %c22 = call i32 @leaf(i32 %x)
  %c23 = call i32 @leaf(i32 %x)
  %c24 = call i32 @leaf(i32 %x)
  %c25 = call i32 @leaf(i32 %x)
  %c26 = call i32 @leaf(i32 %x)
  %c27 = call i32 @leaf(i32 %x)
  %c28 = call i32 @leaf(i32 %x)
  %c29 = call i32 @leaf(i32 %x)
  %c30 = call i32 @leaf(i32 %x)
  %c31 = call i32 @leaf(i32 %x)
  %c32 = call i32 @leaf(i32 %x)
  %c33 = call i32 @leaf(i32 %x)
  %c34 = call i32 @leaf(i32 %x)
  %c35 = call i32 @leaf(i32 %x)
  %c36 = call i32 @leaf(i32 %x)
  %c37 = call i32 @leaf(i32 %x)
  %c38 = call i32 @leaf(i32 %x)
  %c39 = call i32 @leaf(i32 %x)
  %c40 = call i32 @leaf(i32 %x)
  %c41 = call i32 @leaf(i32 %x)
  %c42 = call i32 @leaf(i32 %x)
  %c43 = call i32 @leaf(i32 %x)
  %c44 = call i32 @leaf(i32 %x)
  %c45 = call i32 @leaf(i32 %x)
  %c46 = call i32 @leaf(i32 %x)
  %c47 = call i32 @leaf(i32 %x)
  %c48 = call i32 @leaf(i32 %x)
  %c49 = call i32 @leaf(i32 %x)
  %c50 = call i32 @leaf(i32 %x)
  %c51 = call i32 @leaf(i32 %x)
  %c52 = call i32 @leaf(i32 %x)
  %c53 = call i32 @leaf(i32 %x)
  %c54 = call i32 @leaf(i32 %x)
  %c55 = call i32 @leaf(i32 %x)
  %c56 = call i32 @leaf(i32 %x)
  %c57 = call i32 @leaf(i32 %x)
  %c58 = call i32 @leaf(i32 %x)
  %c59 = call i32 @leaf(i32 %x)
  %c60 = call i32 @leaf(i32 %x)
  %c61 = call i32 @leaf(i32 %x)
  %c62 = call i32 @leaf(i32 %x)
  %c63 = call i32 @leaf(i32 %x)
  %c64 = call i32 @leaf(i32 %x)
  %c65 = call i32 @leaf(i32 %x)
  %c66 = call i32 @leaf(i32 %x)
  %c67 = call i32 @leaf(i32 %x)
  %c68 = call i32 @leaf(i32 %x)
  %c69 = call i32 @leaf(i32 %x)
  %c70 = call i32 @leaf(i32 %x)
  %c71 = call i32 @leaf(i32 %x)
  %c72 = call i32 @leaf(i32 %x)
  %c73 = call i32 @leaf(i32 %x)
  %c74 = call i32 @leaf(i32 %x)
  %c75 = call i32 @leaf(i32 %x)
  %c76 = call i32 @leaf(i32 %x)
  %c77 = call i32 @leaf(i32 %x)
  %c78 = call i32 @leaf(i32 %x)
  %c79 = call i32 @leaf(i32 %x)
  %c80 = call i32 @leaf(i32 %x)
  %d1 = call i32 @leaf(i32 %x)
  %d2 = call i32 @leaf(i32 %x)
  %d3 = call i32 @leaf(i32 %x)
  %d4 = call i32 @leaf(i32 %x)
  %d5 = call i32 @leaf(i32 %x)
  %d6 = call i32 @leaf(i32 %x)
  %d7 = call i32 @leaf(i32 %x)
  %d8 = call i32 @leaf(i32 %x)
  %d9 = call i32 @leaf(i32 %x)
  %d10 = call i32 @leaf(i32 %x)
  %d11 = call i32 @leaf(i32 %x)
  %d12 = call i32 @leaf(i32 %x)
  %d13 = call i32 @leaf(i32 %x)
  %d14 = call i32 @leaf(i32 %x)
  %d15 = call i32 @leaf(i32 %x)
  %d16 = call i32 @leaf(i32 %x)
  %d17 = call i32 @leaf(i32 %x)
  %d18 = call i32 @leaf(i32 %x)
  %d19 = call i32 @leaf(i32 %x)
  %d20 = call i32 @leaf(i32 %x)
  %d21 = call i32 @leaf(i32 %x)
  %d22 = call i32 @leaf(i32 %x)
  %d23 = call i32 @leaf(i32 %x)
  %d24 = call i32 @leaf(i32 %x)
  %d25 = call i32 @leaf(i32 %x)
  %d26 = call i32 @leaf(i32 %x)
  %d27 = call i32 @leaf(i32 %x)
  %d28 = call i32 @leaf(i32 %x)
  %d29 = call i32 @leaf(i32 %x)
  %d30 = call i32 @leaf(i32 %x)
  %d31 = call i32 @leaf(i32 %x)
  %d32 = call i32 @leaf(i32 %x)
  %d33 = call i32 @leaf(i32 %x)
  %d34 = call i32 @leaf(i32 %x)
  %d35 = call i32 @leaf(i32 %x)
  %d36 = call i32 @leaf(i32 %x)
  %d37 = call i32 @leaf(i32 %x)
  %d38 = call i32 @leaf(i32 %x)
  %d39 = call i32 @leaf(i32 %x)
  %d40 = call i32 @leaf(i32 %x)
  ret void
}
define void @calls_fat() {
  call void @__safepoint_poll_marker(i32 0)
  call void @fat(i32 1)
  ret void
}

; A small tree called in a poll-free loop that runs only after a poll (the
; inner loop of a strip-mined loop): the path from the entry to the first
; poll has no call, so the entry poll goes.
; CHECK-LABEL: define void @tree_after_chunk_poll(
; CHECK-COUNT-1: call void @__safepoint_poll_slow()
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         ret void
define void @tree_after_chunk_poll(i32 %n) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  br label %outer
outer:
  call void @__safepoint_poll_marker(i32 3)
  br label %inner
inner:
  %k = phi i32 [ 0, %outer ], [ %k.next, %inner ]
  %t = call i32 @tree(i32 %k)
  %k.next = add i32 %k, 1
  %more = icmp ult i32 %k.next, 1024
  br i1 %more, label %inner, label %latch
latch:
  %again = icmp ult i32 %t, %n
  br i1 %again, label %outer, label %exit
exit:
  ret void
}
