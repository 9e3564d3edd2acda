; A computed goto's shared dispatch block (a small block ending in indirectbr)
; is copied into every predecessor that ends in a poll's branch, so that each
; handler keeps its own indirect jump; the dispatch's phis become the values
; on each edge, and its successors get phis for the values it passed on. The
; poll's slow path still returns to the original dispatch block. A dispatch
; block reached by no poll, or too big to copy, is left alone.
; RUN: %opt_sp -passes=safepoint-dispatch-dup -S %s | FileCheck %s
; RUN: %opt_sp -passes=safepoint-dispatch-dup,verify -disable-output %s
; RUN: env SAFEPOINT_ABLATE=dispatch-dup %opt_sp -passes=safepoint-dispatch-dup -S %s | FileCheck %s --check-prefix=ABLATED

@__safepoint_pending = external thread_local(initialexec) global i32, align 4
@labels = internal constant [2 x ptr] [ptr blockaddress(@interp, %inc), ptr blockaddress(@interp, %halt)]

declare void @__safepoint_poll_slow()

; Each handler's poll branch gets its own copy of the dispatch; the slow path
; keeps the original; %pc and %acc, used by the handlers, get phis there.
; CHECK-LABEL: define i64 @interp(
; CHECK:       entry:
; CHECK:         br i1 %idle0, label %dispatch.entry, label %slow
; CHECK:       inc:
; CHECK-NEXT:    [[PC:%.*]] = phi ptr [ %pc.0, %dispatch.entry ], [ %pc.next, %dispatch.inc ], [ %pc.s, %dispatch ]
; CHECK-NEXT:    [[ACC:%.*]] = phi i64 [ 0, %dispatch.entry ], [ %acc.next, %dispatch.inc ], [ %acc.s, %dispatch ]
; CHECK-NEXT:    %acc.next = add i64 [[ACC]], 1
; CHECK-NEXT:    %pc.next = getelementptr i8, ptr [[PC]], i64 1
; CHECK:         br i1 %idle, label %dispatch.inc, label %slow
; CHECK:       halt:
; CHECK-NEXT:    [[RET:%.*]] = phi i64 [ %acc.next, %dispatch.inc ], [ %acc.s, %dispatch ], [ 0, %dispatch.entry ]
; CHECK-NEXT:    ret i64 [[RET]]
; CHECK:       slow:
; CHECK:         call void @__safepoint_poll_slow()
; CHECK-NEXT:    br label %dispatch
; CHECK:       dispatch:
; CHECK-NEXT:    load i8, ptr %pc.s
; CHECK:         indirectbr ptr %target, [label %inc, label %halt]
; CHECK:       dispatch.inc:
; CHECK-NEXT:    load i8, ptr %pc.next
; CHECK:         indirectbr ptr %target.inc, [label %inc, label %halt]
; CHECK:       dispatch.entry:
; CHECK-NEXT:    load i8, ptr %pc.0
; CHECK:         indirectbr ptr %target.entry, [label %inc, label %halt]
; ABLATED-LABEL:   define i64 @interp(
; ABLATED-COUNT-1: indirectbr
; ABLATED-NOT:     indirectbr
; ABLATED:         }
define i64 @interp(ptr %code) {
entry:
  %pc.0 = getelementptr i8, ptr %code, i64 0
  %w0 = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle0 = icmp eq i32 %w0, 0
  br i1 %idle0, label %fwd, label %slow

inc:
  %acc.next = add i64 %acc, 1
  %pc.next = getelementptr i8, ptr %pc, i64 1
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %fwd, label %slow

halt:
  ret i64 %acc

slow:
  %pc.s = phi ptr [ %pc.0, %entry ], [ %pc.next, %inc ]
  %acc.s = phi i64 [ 0, %entry ], [ %acc.next, %inc ]
  call void @__safepoint_poll_slow()
  br label %dispatch

; Leads straight to the dispatch block: part of the copied paths.
fwd:
  %pc.f = phi ptr [ %pc.0, %entry ], [ %pc.next, %inc ]
  %acc.f = phi i64 [ 0, %entry ], [ %acc.next, %inc ]
  br label %dispatch

dispatch:
  %pc = phi ptr [ %pc.f, %fwd ], [ %pc.s, %slow ]
  %acc = phi i64 [ %acc.f, %fwd ], [ %acc.s, %slow ]
  %op = load i8, ptr %pc, align 1
  %idx = zext i8 %op to i64
  %slot = getelementptr [2 x ptr], ptr @labels, i64 0, i64 %idx
  %target = load ptr, ptr %slot, align 8
  indirectbr ptr %target, [label %inc, label %halt]
}

@labels2 = internal constant [1 x ptr] [ptr blockaddress(@unpolled, %loop)]

; No poll branches to the dispatch: unchanged.
; CHECK-LABEL: define void @unpolled(
; CHECK-COUNT-1: indirectbr
; CHECK-NOT:     indirectbr
; CHECK:       }
define void @unpolled(ptr %p) {
entry:
  br label %dispatch

loop:
  br label %dispatch

dispatch:
  %t = load ptr, ptr @labels2, align 8
  indirectbr ptr %t, [label %loop]
}

@labels3 = internal constant [1 x ptr] [ptr blockaddress(@big, %loop)]

; A path of more than 16 instructions is not copied.
; CHECK-LABEL: define i32 @big(
; CHECK-COUNT-1: indirectbr
; CHECK-NOT:     indirectbr
; CHECK:       }
define i32 @big(i32 %x) {
entry:
  br label %dispatch

loop:
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %dispatch, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %dispatch

dispatch:
  %v = phi i32 [ %x, %entry ], [ %v13, %loop ], [ %v13, %slow ]
  %v1 = add i32 %v, 1
  %v2 = mul i32 %v1, 3
  %v3 = add i32 %v2, 1
  %v4 = mul i32 %v3, 3
  %v5 = add i32 %v4, 1
  %v6 = mul i32 %v5, 3
  %v7 = add i32 %v6, 1
  %v8 = mul i32 %v7, 3
  %v9 = add i32 %v8, 1
  %v10 = mul i32 %v9, 3
  %v11 = add i32 %v10, 1
  %v12 = add i32 %v11, 1
  %v14 = mul i32 %v12, 3
  %v15 = add i32 %v14, 1
  %v16 = mul i32 %v15, 3
  %v13 = mul i32 %v16, 3
  %t = load ptr, ptr @labels3, align 8
  indirectbr ptr %t, [label %loop]
}

@labels4 = internal constant [1 x ptr] [ptr blockaddress(@sunk, %op)]

; The poll branch reaches the dispatch through a block with code of its own
; (`++pc` sunk out of the handler): the copy holds the whole path. The slow
; path, entering that block too, keeps the original path.
; CHECK-LABEL: define void @sunk(
; CHECK:       op:
; CHECK-NEXT:    [[PCS:%.*]] = phi ptr [ %{{.*}}, %dispatch ], [ %pc.next.op, %dispatch.op ]
; CHECK:         br i1 %idle, label %dispatch.op, label %slow
; CHECK:       slow:
; CHECK-NEXT:    call void @__safepoint_poll_slow()
; CHECK-NEXT:    br label %step
; CHECK:       step:
; CHECK-NEXT:    %pc.next = getelementptr i8, ptr [[PCS]], i64 1
; CHECK-NEXT:    br label %dispatch
; CHECK:       dispatch:
; CHECK:         indirectbr
; CHECK:       dispatch.op:
; CHECK-NEXT:    %pc.next.op = getelementptr i8, ptr [[PCS]], i64 1
; CHECK-NEXT:    %t.op = load ptr, ptr @labels4
; CHECK-NEXT:    indirectbr ptr %t.op, [label %op]
define void @sunk(ptr %code) {
entry:
  br label %dispatch

op:
  %w = load atomic i32, ptr @__safepoint_pending monotonic, align 4
  %idle = icmp eq i32 %w, 0
  br i1 %idle, label %step, label %slow

slow:
  call void @__safepoint_poll_slow()
  br label %step

step:
  %pc.next = getelementptr i8, ptr %pc, i64 1
  br label %dispatch

dispatch:
  %pc = phi ptr [ %code, %entry ], [ %pc.next, %step ]
  %t = load ptr, ptr @labels4, align 8
  indirectbr ptr %t, [label %op]
}
