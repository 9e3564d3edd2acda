// Library code (system headers) is interrupted only where it already calls
// something that can throw: a loop there polls only if its body, condition
// or increment calls a function that is not noexcept (builtins and nothrow
// functions excepted). Other library loops get no poll and no strip-mining,
// and are reported only with -Rpass-missed=safepoint. Naive placement obeys
// the same rule (it is a safety rule). Library functions get no entry poll.
// RUN: %sp_clangxx -O1 -isystem %S/Inputs -c -o /dev/null -Rpass=safepoint %s 2>&1 | FileCheck %s --implicit-check-not="in 'fakelib::relink" --implicit-check-not="in 'fakelib::spin" --implicit-check-not="function entry in 'fakelib::" --implicit-check-not="::$_1>"
// RUN: %sp_clangxx -O1 -isystem %S/Inputs -c -o /dev/null -fplugin-arg-safepoint-placement=naive -Rpass=safepoint %s 2>&1 | FileCheck %s --implicit-check-not="in 'fakelib::relink" --implicit-check-not="in 'fakelib::spin" --implicit-check-not="function entry in 'fakelib::" --implicit-check-not="::$_1>"
// RUN: %sp_clangxx -O1 -isystem %S/Inputs -c -o /dev/null -Rpass-missed=safepoint %s 2>&1 | FileCheck %s --check-prefix=MISSED
// RUN: %sp_clangxx -O1 -isystem %S/Inputs -c -o /dev/null %s 2>&1 | count 0
// RUN: %sp_clangxx -O1 -isystem %S/Inputs -S -emit-llvm -o - %s | FileCheck %s --check-prefix=IR

#include <fake_library.h>

// A loop that calls something that can throw keeps its poll.
// CHECK-DAG: fake_library.h:29:3: remark: poll at loop back-edge in 'fakelib::visit(fakelib::node*)'
// A nested loop that can throw: both loops poll.
// CHECK-DAG: fake_library.h:41:3: remark: poll at loop back-edge{{.*}} in 'fakelib::nested(
// CHECK-DAG: fake_library.h:42:5: remark: poll at loop back-edge in 'fakelib::nested(
// A callback that can throw ($_0): the library loop calling it polls; a
// noexcept callback ($_1): it does not.
// CHECK-DAG: fake_library.h:35:3: remark: poll at loop back-edge in 'void fakelib::for_each<user({{.*}})::$_0>(

// The remark for the loops left alone, only when asked for.
// MISSED-DAG: fake_library.h:16:3: remark: no poll in library loop: it calls nothing that can throw, so the library need not be exception-safe there [-Rpass-missed=safepoint]
// MISSED-DAG: fake_library.h:35:3: remark: no poll in library loop: it calls nothing that can throw, so the library need not be exception-safe there [-Rpass-missed=safepoint]

unsigned user(fakelib::node *n, fakelib::node **buckets, int *b, int *e) {
  fakelib::for_each(b, e, [](int &x) { x += 1; });
  fakelib::for_each(b, e, [](int &x) noexcept { x += 2; });
  fakelib::relink(n, buckets, 64);
  fakelib::visit(n);
  fakelib::nested(buckets, 64);
  return fakelib::spin(27);
}

// relink's loop (inlined; its body calls cannot_throw) and spin's goto: no
// poll. visit's loop: polled.
// IR-LABEL: define {{.*}}@_Z4userPN7fakelib4nodeEPS1_PiS3_(
// IR:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
// IR:         call void @_ZN7fakelib12cannot_throwEv()
// IR-NOT:     __safepoint_poll_slow
// IR:         br i1 %{{.*}}, !llvm.loop
// IR:         call preserve_mostcc void @__safepoint_poll_slow_preserve()
// IR-NEXT:    br label
// IR:         call void @_ZN7fakelib9may_throwEv()
