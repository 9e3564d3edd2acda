// Constructs Safepoint does not instrument are skipped and reported, never
// miscompiled: coroutines, functions calling setjmp, C translation units.
// (-fno-exceptions TUs are instrumented: see no-exceptions-tu.cpp.)
// RUN: rm -rf %t && split-file %s %t
// RUN: %sp_clangxx -O1 -Rpass-missed=safepoint -c %t/coro.cpp -o %t/coro.o 2>&1 | FileCheck %s --check-prefix=CORO
// RUN: %sp_clang -O1 -Rpass-missed=safepoint -c %t/plainc.c -o %t/plainc.o 2>&1 | FileCheck %s --check-prefix=PLAINC
// RUN: %sp_clangxx -O1 %t/main.cpp %t/coro.o %t/plainc.o -o %t/main %sp_link && %t/main

//--- coro.cpp
#include <coroutine>
struct Gen {
  struct promise_type {
    int value = 0;
    Gen get_return_object() { return Gen{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(int v) noexcept { value = v; return {}; }
    void return_void() noexcept {}
    void unhandled_exception() { throw; }
  };
  std::coroutine_handle<promise_type> h;
};
// CORO: coro.cpp:{{[0-9]+}}:5: remark: no polls in 'counter': coroutines are not instrumented yet
Gen counter(int n) {
  for (int i = 0; i < n; ++i)
    co_yield i;
}
int sum_counter(int n) {
  Gen g = counter(n);
  int s = 0;
  while (true) {
    g.h.resume();
    if (g.h.done())
      break;
    s += g.h.promise().value;
  }
  g.h.destroy();
  return s;
}

//--- plainc.c
// PLAINC: remark: translation unit not instrumented: it is not C++
int count_up(int n) {
  int s = 0;
  for (int i = 0; i < n; ++i)
    s += i;
  return s;
}

//--- main.cpp
#include <cstdio>
int sum_counter(int n);
extern "C" int count_up(int n);
int main() {
  if (sum_counter(10) != 45 || count_up(10) != 45)
    return 1;
  std::puts("unsupported-constructs: passed");
}
