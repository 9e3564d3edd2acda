; At the end of the pipeline on x86-64, a poll's slow call with no landing
; pad in its function calls the preserve_most entry point, which keeps every
; general-purpose register but R11; an invoke keeps the C convention (an
; unwinder restores only the C callee-saved registers into a landing pad).
; RUN: %opt_sp -passes=safepoint-preserve-slow -S %s | FileCheck %s
; RUN: sed 's/x86_64-unknown-linux-gnu/aarch64-unknown-linux-gnu/' %s | %opt_sp -passes=safepoint-preserve-slow -S | FileCheck %s --check-prefix=OTHER
; RUN: env SAFEPOINT_ABLATE=preserve-slow %opt_sp -passes=safepoint-preserve-slow -S %s | FileCheck %s --check-prefix=OTHER

target triple = "x86_64-unknown-linux-gnu"

declare void @__safepoint_poll_slow()
declare void @work()
declare i32 @__gxx_personality_v0(...)

; A call: the preserving entry point, with its convention at the call.
; CHECK-LABEL: define void @call(
; CHECK:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
; OTHER-LABEL: define void @call(
; OTHER:         call void @__safepoint_poll_slow()
define void @call() {
  call void @__safepoint_poll_slow()
  ret void
}

; An invoke: unchanged.
; CHECK-LABEL: define void @invoked(
; CHECK:         invoke void @__safepoint_poll_slow()
define void @invoked() personality ptr @__gxx_personality_v0 {
entry:
  invoke void @__safepoint_poll_slow() to label %cont unwind label %lpad
cont:
  ret void
lpad:
  %lp = landingpad { ptr, i32 } cleanup
  call void @work()
  resume { ptr, i32 } %lp
}

; The declaration carries the convention too, cold and never inlined.
; CHECK: declare preserve_mostcc void @__safepoint_poll_slow_preserve() #[[A:[0-9]+]]
; CHECK: attributes #[[A]] = { cold noinline }
