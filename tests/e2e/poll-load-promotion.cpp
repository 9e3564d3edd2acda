// A dispatch loop over a global program (`code[pc]`) keeps its poll in every
// iteration; the program's data pointer is loaded before the loop and again
// after each slow path, not in every iteration. A handshake that replaces
// the program (freeing the old one) is seen by the very next iteration: the
// interpreter halts instead of looping forever in the old program. The same
// for a member function whose program is a field of `this`.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: env SAFEPOINT_ABLATE=promote-loads %sp_clangxx -O2 %s -o %t.ablated %sp_link && %t.ablated
// RUN: %sp_clangxx -O2 -g -c %s -o /dev/null
// RUN: %sp_clangxx -O2 -c %s -o /dev/null -Rpass=safepoint 2>&1 | FileCheck %s

#include "harness.h"

#include <safepoint/handshake.hpp>

#include <vector>

using namespace harness;

enum op : unsigned char { NOP, JUMP_TO_START, HALT };
std::vector<unsigned char> program;

// The interpreter, inlined into both callers below: one reads a global
// program, the other a field of `this`. Each copy of its loop is promoted.
// CHECK-COUNT-2: poll-load-promotion.cpp:[[@LINE+5]]:{{[0-9]+}}: remark: loads of invariant memory kept out of the polled loop (reloaded after its slow path): 1
[[gnu::always_inline]] static inline long
interpret(const std::vector<unsigned char> &code) {
  long steps = 0;
  std::size_t pc = 0;
  for (;;) {
    consume(++steps); // relaxed: it cannot write the program
    switch (code[pc]) {
    case NOP:
      ++pc;
      break;
    case JUMP_TO_START:
      pc = 0;
      break;
    case HALT:
      return steps;
    }
  }
}

__attribute__((noinline)) static long run_global() {
  return interpret(program);
}

// The program is a field of `this`, loaded once before the loop and again
// right after each slow path.
struct Machine {
  std::vector<unsigned char> code;
  __attribute__((noinline)) long run() { return interpret(code); }
};

// Runs \p interpret on a worker until it has started, replaces the program
// with \p replace in a handshake, and checks that the worker halts.
template <class Run, class Replace>
static void replace_while_running(Run interpret, Replace replace) {
  __atomic_store_n(&sink, 0, __ATOMIC_RELAXED);
  long steps = 0;
  safepoint::thread worker([&] { steps = interpret(); });
  // Running the old program (which never halts).
  while (__atomic_load_n(&sink, __ATOMIC_RELAXED) == 0)
    std::this_thread::yield();
  safepoint::run_on(worker.handle(), replace).get();
  if (!worker.wait_for(std::chrono::minutes(1))) {
    std::fprintf(stderr, "the interpreter did not see its new program\n");
    std::_Exit(2);
  }
  worker.join();
  CHECK(steps > 1);
}

int main() {
  program = {NOP, NOP, NOP, JUMP_TO_START};
  const unsigned char *old = program.data();
  replace_while_running(run_global, [] {
    program = std::vector<unsigned char>(4, HALT);
  });
  CHECK(program.data() != old);

  Machine m{{NOP, NOP, NOP, JUMP_TO_START}};
  old = m.code.data();
  replace_while_running([&] { return m.run(); }, [&] {
    m.code = std::vector<unsigned char>(4, HALT);
  });
  CHECK(m.code.data() != old);
  std::puts("poll-load-promotion: passed");
}
