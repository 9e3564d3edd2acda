; Direct calls to known blocking functions are redirected to the runtime's
; interruptible wrappers (abi.def, SAFEPOINT_ABI_WRAP), in frontend and in IR
; mode; the call keeps its attributes and unwind edge. Calls through pointers
; and calls to a function the module defines itself are left alone.
; RUN: %opt_sp -passes=safepoint -pass-remarks=safepoint -S %s 2>%t.remarks | FileCheck %s
; RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
; RUN: %opt_sp -passes=safepoint-ir -S %s | FileCheck %s --check-prefix=IRMODE

declare i32 @nanosleep(ptr, ptr) nounwind
declare i64 @read(i32, ptr, i64) nounwind
declare void @_ZNSt6thread4joinEv(ptr)
declare i32 @__gxx_personality_v0(...)

define i32 @sleep(i32 %s) {
  ret i32 0
}

; CHECK-LABEL: define i32 @sleeper(
; CHECK:         %r = call i32 @__safepoint_wrap_nanosleep(ptr %ts, ptr %ts) #[[NOUNWIND:[0-9]+]]
; CHECK:         call i64 @__safepoint_wrap_read(i32 0, ptr %ts, i64 1)
; CHECK:         call i32 @sleep(i32 1)
; CHECK:         call i32 %fp(ptr %ts, ptr %ts)
define i32 @sleeper(ptr %ts, ptr %fp) {
  %r = call i32 @nanosleep(ptr %ts, ptr %ts) nounwind
  %n = call i64 @read(i32 0, ptr %ts, i64 1)
  %s = call i32 @sleep(i32 1)
  %i = call i32 %fp(ptr %ts, ptr %ts)
  ret i32 %r
}

; CHECK-LABEL: define void @joiner(
; CHECK:         invoke void @__safepoint_wrap_cxx_thread_join(ptr %t)
; CHECK-NEXT:    to label %ok unwind label %lp
define void @joiner(ptr %t) personality ptr @__gxx_personality_v0 {
  invoke void @_ZNSt6thread4joinEv(ptr %t) to label %ok unwind label %lp
ok:
  ret void
lp:
  %l = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %l
}

; CHECK-DAG: declare i32 @__safepoint_wrap_nanosleep(ptr, ptr) #[[NOUNWIND]]
; CHECK-DAG: attributes #[[NOUNWIND]] = { nounwind }

; REMARK: remark: <unknown>:0:0: call to 'nanosleep' made interruptible
; REMARK: remark: <unknown>:0:0: call to 'read' made interruptible
; REMARK: remark: <unknown>:0:0: call to 'std::thread::join()' made interruptible
; REMARK-NOT: made interruptible

; IRMODE: call i32 @__safepoint_wrap_nanosleep(
; IRMODE: invoke void @__safepoint_wrap_cxx_thread_join(ptr %t)
