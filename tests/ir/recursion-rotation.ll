; Recursion rotation: a small directly self-recursive function F with an entry
; poll gets internal copies F.rot1..F.rot7 without it; F's self-calls go to
; F.rot1, F.rotJ's to F.rot(J+1), F.rot7's back to F, so the recursion polls
; once per 8 levels. A plain self-call after which no other self-call runs
; (tail recursion elimination may make it a loop) stays a self-call, polled
; in the copies before the rotated call of its block. Callers and F's address
; still reach F.
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefixes=CHECK,FIB
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=WALK
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=ADDR
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=ODR
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=DBG
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=DBGTRY
; RUN: %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=PROF
; RUN: %opt_sp -passes=safepoint -pass-remarks=safepoint -pass-remarks-analysis=safepoint -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: %opt_sp -passes='safepoint<naive>' -S %s | FileCheck %s --check-prefix=OFF
; RUN: env SAFEPOINT_ABLATE=recursion-rotate %opt_sp -passes=safepoint -S %s | FileCheck %s --check-prefix=OFF
; RUN: %opt_sp -passes='default<O0>' -S %s | FileCheck %s --check-prefix=OFF
; RUN: %opt_sp -passes='default<Os>' -S %s | FileCheck %s --check-prefix=OFF
; RUN: %opt_sp -passes='default<O2>' -S %s | FileCheck %s --check-prefix=ON

declare void @__safepoint_poll_marker(i32)
declare void @take(ptr)
declare void @release()
declare i32 @__gxx_personality_v0(...)

; Naive placement, the ablation knob, -O0 and -Os create no copies; the -O2
; pipeline does (the pass runs at its start).
; OFF-NOT: .rot1
; ON: @fib.rot1

; fib: F keeps its entry poll; its first self-call goes one level down, its
; second (a future loop) stays F's, polled by F's entry.
; FIB-LABEL: define i64 @fib(
; FIB:         call void @__safepoint_poll_slow()
; FIB:       rec:
; FIB:         %x = call i64 @fib.rot1(i32 %a)
; FIB:         %y = call i64 @fib(i32 %b)
; FIB:         ret i64 %s
define i64 @fib(i32 %n) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %small = icmp slt i32 %n, 2
  br i1 %small, label %base, label %rec
base:
  %r0 = sext i32 %n to i64
  ret i64 %r0
rec:
  %a = sub i32 %n, 1
  %x = call i64 @fib(i32 %a)
  %b = sub i32 %n, 2
  %y = call i64 @fib(i32 %b)
  %s = add i64 %x, %y
  ret i64 %s
}

; A profiled function with a CFI type: F keeps its entry count and type,
; its copies (called directly, never through a pointer) have neither.
; PROF:       define i64 @profiled(i32 %n) !prof ![[COUNT:[0-9]+]] !type ![[TYPE:[0-9]+]] {
; PROF:       define internal i64 @profiled.rot1(i32 %n) unnamed_addr {
; PROF: ![[COUNT]] = !{!"function_entry_count", i64 1000}
; PROF: ![[TYPE]] = !{i64 0, !"_ZTSFliE"}
define i64 @profiled(i32 %n) !type !11 !prof !12 {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %small = icmp slt i32 %n, 2
  br i1 %small, label %base, label %rec
base:
  %r0 = sext i32 %n to i64
  ret i64 %r0
rec:
  %a = sub i32 %n, 1
  %x = call i64 @profiled(i32 %a)
  %b = sub i32 %n, 2
  %y = call i64 @profiled(i32 %b)
  %s = add i64 %x, %y
  ret i64 %s
}

; The bound on the work between two polls, as a remark: 8 levels (F and 7
; copies), 1 rotated self-call (so at most 8 bodies below a poll, plus 7 below
; a future loop's poll) of at most 11 IR instructions.
; REMARK: remark: <unknown>:0:0: recursion of 'fib' rotated through 7 copies: one entry poll per 8 levels
; REMARK: remark: <unknown>:0:0: poll-free path in 'fib' over its recursion: at most 165 instructions (one entry poll per 8 levels, 1 rotated self-calls per body: 15 bodies of at most 11 instructions)
; Two rotated self-calls: 1 + 2 + ... + 2^7 = 255 bodies.
; REMARK: poll-free path in 'walk' over its recursion: at most 3060 instructions (one entry poll per 8 levels, 2 rotated self-calls per body: 255 bodies of at most 12 instructions)
; REMARK-NOT: recursion of '{{weak_rec|ping|pong|count|cold_rec|loop_rec}}'

; A caller of a rotated function keeps its entry poll: the copies form a
; cycle with F, so none of them is a small call tree.
; CHECK-LABEL: define i64 @calls_fib(
; CHECK:         call void @__safepoint_poll_slow()
define i64 @calls_fib() {
  call void @__safepoint_poll_marker(i32 0)
  %r = call i64 @fib(i32 30)
  ret i64 %r
}

; walk: every self-call is an invoke (a destructor runs after it), so all are
; rotated and the copies have no poll at all; each copy keeps the landing pad.
; WALK-LABEL: define void @walk(
; WALK:         call void @__safepoint_poll_slow()
; WALK:         invoke void @walk.rot1(i32 %m)
; WALK-NEXT:      to label %next unwind label %lpad
; WALK:         invoke void @walk.rot1(i32 %m)
; WALK-NEXT:      to label %after unwind label %lpad
define void @walk(i32 %n) personality ptr @__gxx_personality_v0 {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %stop = icmp eq i32 %n, 0
  br i1 %stop, label %done, label %more
more:
  %m = sub i32 %n, 1
  invoke void @walk(i32 %m) to label %next unwind label %lpad
next:
  invoke void @walk(i32 %m) to label %after unwind label %lpad
after:
  call void @release()
  ret void
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  call void @release()
  resume { ptr, i32 } %lp
done:
  ret void
}

; An invoked entry marker (a function-try-block) becomes a branch in the
; copies; the handler loses that predecessor.
define void @try_rec(i32 %n) personality ptr @__gxx_personality_v0 {
entry:
  invoke void @__safepoint_poll_marker(i32 0) to label %body unwind label %handler
body:
  %stop = icmp eq i32 %n, 0
  br i1 %stop, label %done, label %more
more:
  %m = sub i32 %n, 1
  invoke void @try_rec(i32 %m) to label %next unwind label %handler
next:
  invoke void @try_rec(i32 %m) to label %done unwind label %handler
handler:
  %lp = landingpad { ptr, i32 } catch ptr null
  ret void
done:
  ret void
}

; Address taken: only the callee of a self-call changes. The address passed
; on, in F and in its copies, and the one stored outside, stay F's: whoever
; calls through it enters F, which polls.
; ADDR-LABEL: define void @store_addr(
; ADDR:         call void @take(ptr @addr_taken)
; ADDR-LABEL: define void @addr_taken(
; ADDR:         call void @take(ptr @addr_taken)
; ADDR:         invoke void @addr_taken.rot1(
define void @store_addr() {
  call void @__safepoint_poll_marker(i32 0)
  call void @take(ptr @addr_taken)
  ret void
}
define void @addr_taken(i32 %n) personality ptr @__gxx_personality_v0 {
entry:
  call void @__safepoint_poll_marker(i32 0)
  call void @take(ptr @addr_taken)
  %stop = icmp eq i32 %n, 0
  br i1 %stop, label %done, label %more
more:
  %m = sub i32 %n, 1
  invoke void @addr_taken(i32 %m) to label %done unwind label %lpad
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  call void @release()
  resume { ptr, i32 } %lp
done:
  ret void
}

; A weak function may be replaced at link time, and its self-calls with it:
; untouched, entry poll kept.
; CHECK-LABEL: define weak i64 @weak_rec(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call i64 @weak_rec(
; CHECK:         call i64 @weak_rec(
define weak i64 @weak_rec(i32 %n) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %small = icmp slt i32 %n, 2
  br i1 %small, label %base, label %rec
base:
  ret i64 1
rec:
  %a = sub i32 %n, 1
  %x = call i64 @weak_rec(i32 %a)
  %y = call i64 @weak_rec(i32 %a)
  %s = add i64 %x, %y
  ret i64 %s
}

; Mutual recursion is out of scope: no copies. pong keeps its entry poll, so
; ping's call to it is ping's poll (tests/ir/entry-bounded.ll).
; CHECK-LABEL: define void @ping(
; CHECK-NOT:     call void @__safepoint_poll_slow()
; CHECK:         call void @pong(
; CHECK-LABEL: define void @pong(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call void @ping(
define void @ping(i32 %n) {
  call void @__safepoint_poll_marker(i32 0)
  call void @pong(i32 %n)
  ret void
}
define void @pong(i32 %n) {
  call void @__safepoint_poll_marker(i32 0)
  call void @ping(i32 %n)
  ret void
}

; Linear tail recursion: its only self-call may become a loop, which polls
; anyway; nothing to rotate.
; CHECK-LABEL: define i64 @count(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call i64 @count(
define i64 @count(i64 %n, i64 %acc) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %stop = icmp eq i64 %n, 0
  br i1 %stop, label %done, label %more
more:
  %m = sub i64 %n, 1
  %a = add i64 %acc, %n
  %r = call i64 @count(i64 %m, i64 %a)
  ret i64 %r
done:
  ret i64 %acc
}

; optnone (every function at -O0): untouched.
; CHECK-LABEL: define i64 @cold_rec(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call i64 @cold_rec(
; CHECK:         call i64 @cold_rec(
define i64 @cold_rec(i32 %n) noinline optnone {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %small = icmp slt i32 %n, 2
  br i1 %small, label %base, label %rec
base:
  ret i64 1
rec:
  %a = sub i32 %n, 1
  %x = call i64 @cold_rec(i32 %a)
  %y = call i64 @cold_rec(i32 %a)
  %s = add i64 %x, %y
  ret i64 %s
}

; A self-call inside a loop (the CFG has a cycle): untouched.
; CHECK-LABEL: define void @loop_rec(
; CHECK:         call void @__safepoint_poll_slow()
; CHECK:         call void @loop_rec(
define void @loop_rec(i32 %n) {
entry:
  call void @__safepoint_poll_marker(i32 0)
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  call void @__safepoint_poll_marker(i32 1)
  call void @loop_rec(i32 %i)
  %i.next = add i32 %i, 1
  %again = icmp ult i32 %i.next, %n
  br i1 %again, label %loop, label %exit
exit:
  ret void
}

; An inline function (linkonce_odr, in its own comdat): the copies are
; internal and in no comdat. Once F is inlined into a caller outside its
; comdat, that caller calls the copies; if the linker keeps another unit's
; group, a copy in this one would be discarded under the caller.
; ODR: define linkonce_odr i64 @odr_rec(i32 %n) comdat {
; ODR:   call i64 @odr_rec.rot1(
; ODR: define internal i64 @odr_rec.rot1(i32 %n) unnamed_addr {
; ODR: define internal i64 @odr_rec.rot7(i32 %n) unnamed_addr {
; ODR:   call i64 @odr_rec(
$odr_rec = comdat any
define linkonce_odr i64 @odr_rec(i32 %n) comdat {
entry:
  call void @__safepoint_poll_marker(i32 0)
  %small = icmp slt i32 %n, 2
  br i1 %small, label %base, label %rec
base:
  ret i64 1
rec:
  %a = sub i32 %n, 1
  %x = call i64 @odr_rec(i32 %a)
  %y = call i64 @odr_rec(i32 %a)
  %s = mul i64 %x, %y
  ret i64 %s
}

; Debug info: each copy gets its own DISubprogram (a distinct one, as
; CloneFunction makes), so the verifier and debuggers see a well-formed
; function named like F.
; DBG: define i64 @dbg_rec(i32 %n) !dbg [[SP:![0-9]+]]
; DBG: define internal i64 @dbg_rec.rot1(i32 %n) unnamed_addr !dbg [[SP1:![0-9]+]]
; DBG-DAG: [[SP]] = distinct !DISubprogram(name: "dbg_rec"
; DBG-DAG: [[SP1]] = distinct !DISubprogram(name: "dbg_rec"
define i64 @dbg_rec(i32 %n) !dbg !5 {
entry:
  call void @__safepoint_poll_marker(i32 0), !dbg !8
  %small = icmp slt i32 %n, 2, !dbg !8
  br i1 %small, label %base, label %rec, !dbg !8
base:
  ret i64 1, !dbg !8
rec:
  %a = sub i32 %n, 1, !dbg !8
  %x = call i64 @dbg_rec(i32 %a), !dbg !8
  %y = call i64 @dbg_rec(i32 %a), !dbg !8
  %s = add i64 %x, %y, !dbg !8
  ret i64 %s, !dbg !8
}

; An invoked entry marker with a location: the branch that replaces it in the
; copies keeps it.
; DBGTRY-LABEL: define internal void @dbg_try_rec.rot1(
; DBGTRY-NEXT:  entry:
; DBGTRY-NEXT:    br label %body, !dbg [[TRYLOC:![0-9]+]]
; DBGTRY:       [[TRYLOC]] = !DILocation(line: 7, column: 5,
define void @dbg_try_rec(i32 %n) personality ptr @__gxx_personality_v0 !dbg !9 {
entry:
  invoke void @__safepoint_poll_marker(i32 0) to label %body unwind label %handler, !dbg !10
body:
  %stop = icmp eq i32 %n, 0, !dbg !10
  br i1 %stop, label %done, label %more, !dbg !10
more:
  %m = sub i32 %n, 1, !dbg !10
  invoke void @dbg_try_rec(i32 %m) to label %next unwind label %handler, !dbg !10
next:
  invoke void @dbg_try_rec(i32 %m) to label %done unwind label %handler, !dbg !10
handler:
  %lp = landingpad { ptr, i32 } catch ptr null, !dbg !10
  ret void, !dbg !10
done:
  ret void, !dbg !10
}

; The copies, after the functions of the module.

; Copies of fib: internal, no entry poll; the rotated call goes one level
; down, the future loop stays in the copy with a poll before the rotated call
; of its block (not in the base case).
; FIB-LABEL: define internal i64 @fib.rot1(i32 %n) unnamed_addr {
; FIB-NEXT:  entry:
; FIB-NEXT:    %small = icmp slt i32 %n, 2
; FIB:       base:
; FIB-NOT:     @__safepoint_poll_slow
; FIB:         ret i64
; FIB:       rec:
; FIB:         call void @__safepoint_poll_slow()
; FIB:         %x = call i64 @fib.rot2(i32 %a)
; FIB:         %y = call i64 @fib.rot1(i32 %b)
; FIB-LABEL: define internal i64 @fib.rot2(
; FIB:         %x = call i64 @fib.rot3(i32 %a)
; The last copy's rotated call is F's polled entry: no poll of its own.
; FIB-LABEL: define internal i64 @fib.rot7(
; FIB-NOT:     @__safepoint_poll_slow
; FIB:         %x = call i64 @fib(i32 %a)
; FIB:         %y = call i64 @fib.rot7(i32 %b)
; FIB-NOT:   define {{.*}} @fib.rot8(

; Copies of walk: no poll anywhere, landing pads kept; the last goes back to F.
; WALK-LABEL: define internal void @walk.rot1(
; WALK-NOT:     @__safepoint_poll_slow
; WALK:         invoke void @walk.rot2(i32 %m)
; WALK-NEXT:      to label %next unwind label %lpad
; WALK:       lpad:
; WALK-NEXT:    landingpad
; WALK-NEXT:      cleanup
; WALK-NEXT:    call void @release()
; WALK-LABEL: define internal void @walk.rot7(
; WALK-NOT:     @__safepoint_poll_slow
; WALK:         invoke void @walk(i32 %m)
; WALK:         invoke void @walk(i32 %m)

; The invoked entry marker of try_rec is a branch in its copies.
; CHECK-LABEL: define internal void @try_rec.rot1(
; CHECK-NEXT:  entry:
; CHECK-NEXT:    br label %body
; CHECK-NOT:     @__safepoint_poll_slow
; CHECK:         invoke void @try_rec.rot2(

; The copies of addr_taken pass F's address, not their own.
; ADDR-LABEL: define internal void @addr_taken.rot1(
; ADDR:         call void @take(ptr @addr_taken)
; ADDR:         invoke void @addr_taken.rot2(

; No copies of the functions left alone.
; CHECK-NOT: @weak_rec.rot1
; CHECK-NOT: @ping.rot1
; CHECK-NOT: @count.rot1
; CHECK-NOT: @cold_rec.rot1
; CHECK-NOT: @loop_rec.rot1

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_C_plus_plus_14, file: !1, producer: "test", isOptimized: true, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "rec.cpp", directory: "/")
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 7, !"Dwarf Version", i32 5}
!5 = distinct !DISubprogram(name: "dbg_rec", scope: !1, file: !1, line: 1, type: !6, scopeLine: 1, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!8 = !DILocation(line: 2, column: 3, scope: !5)
!9 = distinct !DISubprogram(name: "dbg_try_rec", scope: !1, file: !1, line: 6, type: !6, scopeLine: 6, spFlags: DISPFlagDefinition | DISPFlagOptimized, unit: !0)
!10 = !DILocation(line: 7, column: 5, scope: !9)
!11 = !{i64 0, !"_ZTSFliE"}
!12 = !{!"function_entry_count", i64 1000}
