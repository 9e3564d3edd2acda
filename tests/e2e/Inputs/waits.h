// Shared by the waits-*.cpp end-to-end tests: runs a body that blocks on a
// worker thread, interrupts it once it is inside an interruptible wait
// (its waker is registered: safepoint::is_waiting), and checks that the
// interrupt arrives within a minute.
#ifndef SAFEPOINT_TESTS_WAITS_H
#define SAFEPOINT_TESTS_WAITS_H

#include "harness.h"

#include <safepoint/wait.hpp>

namespace harness {

/// Runs body() on a new thread; once it is blocked in an interruptible wait,
/// interrupts it with Timeout{"e2e", 3}. body() must catch the interrupt.
template <class F> void interrupt_when_waiting(F body) {
  safepoint::thread t(body);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!safepoint::is_waiting(t.handle())) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "the worker never blocked interruptibly\n");
      std::_Exit(2);
    }
    std::this_thread::yield();
  }
  CHECK(t.interrupt(Timeout{"e2e", 3}));
  if (!t.wait_for(std::chrono::minutes(1))) {
    std::fprintf(stderr, "interrupt was not delivered within a minute\n");
    std::_Exit(2);
  }
  t.join();
}

} // namespace harness

#endif
