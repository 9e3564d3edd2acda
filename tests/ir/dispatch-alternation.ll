; A threaded interpreter, its handlers polling before their indirect jumps,
; gets a second copy of its handlers without those polls. One table of twice
; the size names the originals, then the copies: the originals load their
; targets from the copies' half and jump into the copies, which load from the
; originals' half and jump back, so every second dispatch polls. Code before
; the handlers enters the originals. Loops inside a handler keep their polls
; in both copies. Interpreters whose labels or loaded targets are used for
; anything but jumps, whose handlers reach a jump without a poll, or that
; jump to a target loaded before an earlier jump, are left alone and
; reported.
; ABLATED-NOT: .alt
; RUN: %opt_sp -passes=safepoint-dispatch-alt -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-dispatch-alt,verify -disable-output %s
; RUN: %opt_sp -passes=safepoint-dispatch-alt -disable-output -pass-remarks=safepoint -pass-remarks-missed=safepoint %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: env SAFEPOINT_ABLATE=dispatch-alternate %opt_sp -passes=safepoint-dispatch-alt -S %s | FileCheck %s --check-prefix=ABLATED

@__safepoint_pending = external thread_local(initialexec) global i32, align 4

declare void @__safepoint_poll_slow()

; The originals, then the copies, in one table.
; CHECK: @labels.alt = private unnamed_addr constant [4 x ptr] [ptr blockaddress(@interp, %inc), ptr blockaddress(@interp, %halt), ptr blockaddress(@interp, %inc.alt), ptr blockaddress(@interp, %halt.alt)]
@labels = internal constant [2 x ptr] [ptr blockaddress(@interp, %inc), ptr blockaddress(@interp, %halt)]

; The first dispatch enters the originals; each original polls and jumps
; through the copies' half into a copy; each copy jumps back without a poll.
; The values the handlers pass on meet in phis again.
; CHECK-LABEL: define i64 @interp(
; CHECK:       entry:
; CHECK:         %slot0 = getelementptr [2 x ptr], ptr @labels.alt, i64 0, i64 %idx0
; CHECK:         indirectbr ptr %target0, [label %inc, label %halt]
; CHECK:       inc:
; CHECK-NEXT:    [[ACC:%.*]] = phi i64 [ 0, %entry ], [ %acc.next.alt, %dispatch.alt ]
; CHECK-NEXT:    [[PC:%.*]] = phi ptr [ %code, %entry ], [ %pc.next.alt, %dispatch.alt ]
; CHECK-NEXT:    %acc.next = add i64 [[ACC]], 1
; CHECK-NEXT:    %pc.next = getelementptr i8, ptr [[PC]], i64 1
; CHECK-NEXT:    load atomic i32, ptr @__safepoint_pending
; CHECK:         br i1 %idle, label %dispatch, label %slow
; CHECK:       slow:
; CHECK-NEXT:    call void @__safepoint_poll_slow()
; CHECK:       dispatch:
; CHECK:         %slot = getelementptr [2 x ptr], ptr getelementptr (i8, ptr @labels.alt, i64 16), i64 0, i64 %idx
; CHECK:         indirectbr ptr %target, [label %inc.alt, label %halt.alt]
; CHECK:       halt:
; CHECK-NEXT:    phi i64 [ %acc.next.alt, %dispatch.alt ], [ 0, %entry ]
; CHECK:       inc.alt:
; CHECK-NEXT:    %acc.next.alt = add i64 %acc.next, 1
; CHECK-NEXT:    %pc.next.alt = getelementptr i8, ptr %pc.next, i64 1
; CHECK-NEXT:    br label %dispatch.alt
; CHECK:       halt.alt:
; CHECK-NEXT:    ret i64 %acc.next
; CHECK:       dispatch.alt:
; CHECK:         %slot.alt = getelementptr [2 x ptr], ptr @labels.alt, i64 0, i64 %idx.alt
; CHECK:         indirectbr ptr %target.alt, [label %inc, label %halt]
; CHECK-NOT:   slow.alt:
; CHECK:       {{^}}}
; REMARK: remark: <unknown>:0:0: computed gotos of 'interp' poll at every second dispatch: 2 handlers copied without their dispatch polls (13 IR instructions); poll-free path at most 20 instructions
define i64 @interp(ptr %code) {
entry:
  %op0 = load i8, ptr %code, align 1
  %idx0 = zext i8 %op0 to i64
  %slot0 = getelementptr [2 x ptr], ptr @labels, i64 0, i64 %idx0
  %target0 = load ptr, ptr %slot0, align 8
  indirectbr ptr %target0, [label %inc, label %halt]

inc:
  %pc = phi ptr [ %code, %entry ], [ %pc.next, %dispatch ]
  %acc = phi i64 [ 0, %entry ], [ %acc.next, %dispatch ]
  %acc.next = add i64 %acc, 1
  %pc.next = getelementptr i8, ptr %pc, i64 1
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %dispatch, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %dispatch

dispatch:
  %op = load i8, ptr %pc.next, align 1
  %idx = zext i8 %op to i64
  %slot = getelementptr [2 x ptr], ptr @labels, i64 0, i64 %idx
  %target = load ptr, ptr %slot, align 8
  indirectbr ptr %target, [label %inc, label %halt]

halt:
  %r = phi i64 [ 0, %entry ], [ %acc.next, %dispatch ]
  ret i64 %r
}

@spin.labels = internal constant [1 x ptr] [ptr blockaddress(@spin, %op)]

; A handler with a loop of its own: the loop's poll stays in the copy, only
; the poll before the jump goes.
; CHECK-LABEL: define void @spin(
; CHECK:       loop.alt:
; CHECK-NEXT:    {{%.*}} = phi i32 [ 0, %op.alt ]
; CHECK:         load atomic i32, ptr @__safepoint_pending monotonic, align 4, !safepoint.loop
; CHECK:       done.alt:
; CHECK-NOT:     @__safepoint_pending
; CHECK:         indirectbr ptr %t.alt, [label %op]
define void @spin(i32 %n) {
entry:
  %t0 = load ptr, ptr @spin.labels, align 8
  indirectbr ptr %t0, [label %op]

op:
  br label %loop

loop:
  %i = phi i32 [ 0, %op ], [ %i.next, %loop.slow ], [ %i.next, %latch ]
  %i.next = add i32 %i, 1
  %lw = load atomic i32, ptr @__safepoint_pending monotonic, align 4, !safepoint.loop !0
  %lidle = icmp eq i32 %lw, 0
  %more = icmp ult i32 %i.next, %n
  br i1 %lidle, label %latch, label %loop.slow

latch:
  br i1 %more, label %loop, label %done

loop.slow:
  call void @__safepoint_poll_slow()
  br i1 %more, label %loop, label %done

done:
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %jump, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %jump

jump:
  %t = load ptr, ptr @spin.labels, align 8
  indirectbr ptr %t, [label %op]
}

@cmp.labels = internal constant [1 x ptr] [ptr blockaddress(@compared, %op)]

; A loaded target is compared, not only jumped to: left alone.
; CHECK-LABEL: define i1 @compared(
; CHECK-NOT:   .alt
; CHECK:       {{^}}}
; REMARK: remark: <unknown>:0:0: computed gotos of 'compared' poll at every dispatch: a label table used for more than indirect jumps
define i1 @compared(ptr %flag) {
entry:
  br label %op

op:
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %jump, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %jump

jump:
  %t = load ptr, ptr @cmp.labels, align 8
  %same = icmp eq ptr %t, blockaddress(@compared, %op)
  %stop = load i1, ptr %flag
  br i1 %stop, label %out, label %go

go:
  indirectbr ptr %t, [label %op]

out:
  ret i1 %same
}

@np.labels = internal constant [2 x ptr] [ptr blockaddress(@no_poll, %a), ptr blockaddress(@no_poll, %b)]

; Handler %b jumps without a poll: left alone.
; CHECK-LABEL: define void @no_poll(
; CHECK-NOT:   .alt
; CHECK:       {{^}}}
; REMARK: remark: <unknown>:0:0: computed gotos of 'no_poll' poll at every dispatch: a handler that reaches its indirect jump without a poll
define void @no_poll(i64 %i) {
entry:
  br label %a

a:
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %ja, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %ja

ja:
  %sa = getelementptr [2 x ptr], ptr @np.labels, i64 0, i64 %i
  %ta = load ptr, ptr %sa, align 8
  indirectbr ptr %ta, [label %a, label %b]

b:
  %sb = getelementptr [2 x ptr], ptr @np.labels, i64 0, i64 %i
  %tb = load ptr, ptr %sb, align 8
  indirectbr ptr %tb, [label %a, label %b]
}

@pf.labels = internal constant [2 x ptr] [ptr blockaddress(@prefetched, %a), ptr blockaddress(@prefetched, %b)]

; Handler %a loads the target that %b, entered through %a's jump, jumps to:
; in the copies, %b would jump to an address loaded in the other copy. Left
; alone.
; CHECK-LABEL: define void @prefetched(
; CHECK-NOT:   .alt
; CHECK:       {{^}}}
; REMARK: remark: <unknown>:0:0: computed gotos of 'prefetched' poll at every dispatch: a loaded jump target that outlives its dispatch
define void @prefetched(i64 %i, i64 %j) {
entry:
  br label %a

a:
  %sa = getelementptr [2 x ptr], ptr @pf.labels, i64 0, i64 %i
  %next = load ptr, ptr %sa, align 8
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %ja, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %ja

ja:
  %sj = getelementptr [2 x ptr], ptr @pf.labels, i64 0, i64 %j
  %tj = load ptr, ptr %sj, align 8
  indirectbr ptr %tj, [label %a, label %b]

b:
  %wb = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idleb = icmp eq i32 %wb, 0
  br i1 %idleb, label %jb, label %slowb

slowb:
  call void @__safepoint_poll_slow()
  br label %jb

jb:
  indirectbr ptr %next, [label %a, label %b]
}

@sp.labels = internal constant [1 x ptr] [ptr blockaddress(@endless, %a)]

; The poll's fast side is an empty endless loop; only its slow side reaches
; the jump: no dispatch poll to drop (and the search for one ends).
; CHECK-LABEL: define void @endless(
; CHECK-NOT:   .alt
; CHECK:       {{^}}}
; REMARK: remark: <unknown>:0:0: computed gotos of 'endless' poll at every dispatch: no poll right before an indirect jump
define void @endless() {
entry:
  br label %a

a:
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %spin, label %slow

spin:
  br label %spin

slow:
  call void @__safepoint_poll_slow()
  br label %j

j:
  %t = load ptr, ptr @sp.labels, align 8
  indirectbr ptr %t, [label %a]
}

!0 = !{}
