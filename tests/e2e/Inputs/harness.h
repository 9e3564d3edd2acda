// Shared by the end-to-end tests: each test runs code compiled with the
// plugin on a worker thread, interrupts it once it has reached the code under
// test (a handshake, never a sleep), and checks what was caught and which
// destructors ran. A failed check exits non-zero with the line.
#ifndef SAFEPOINT_TESTS_HARNESS_H
#define SAFEPOINT_TESTS_HARNESS_H

#include <safepoint/safepoint.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,    \
                   #cond);                                                     \
      std::_Exit(1);                                                           \
    }                                                                          \
  } while (0)

namespace harness {

/// The exception every test delivers: type and data must arrive intact.
struct Timeout {
  std::string what;
  int seconds;
};

/// Objects with a tag; counts how often each tag was built and destroyed.
inline int built[32];
inline int destroyed[32];
struct Tracked {
  int tag;
  explicit Tracked(int t) : tag(t) { __atomic_fetch_add(&built[t], 1, __ATOMIC_RELAXED); }
  ~Tracked() { __atomic_fetch_add(&destroyed[tag], 1, __ATOMIC_RELAXED); }
  Tracked(const Tracked &) = delete;
};

inline void reset() {
  for (int i = 0; i < 32; ++i)
    built[i] = destroyed[i] = 0;
}

/// Every object with this tag was destroyed exactly once.
inline bool balanced(int tag) {
  return __atomic_load_n(&built[tag], __ATOMIC_RELAXED) ==
         __atomic_load_n(&destroyed[tag], __ATOMIC_RELAXED);
}

/// Set by code under test when it is where the interrupt should hit.
/// Builtins, not std::atomic: no call, so no poll, even at -O0.
inline bool reached_flag;
inline void reached() { __atomic_store_n(&reached_flag, true, __ATOMIC_RELEASE); }

/// Prevents the optimizer from deleting loops.
inline unsigned long sink;
inline void consume(unsigned long v) { __atomic_store_n(&sink, v, __ATOMIC_RELAXED); }

/// Runs body() on a new thread; once ready(handle) holds, interrupts it with
/// Timeout{"e2e", 3}. body() must catch the interrupt itself; an interrupt
/// that escapes it is reported by join(). If the thread never gets ready,
/// or the interrupt is not delivered within a minute (a missing poll), the
/// test fails instead of hanging.
template <class F, class Ready>
void interrupt_once_ready(F body, Ready ready, const char *never) {
  safepoint::thread t(body);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!ready(t.handle())) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "%s\n", never);
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

/// interrupt_once_ready, once body() has called reached().
template <class F> void interrupt_when_reached(F body) {
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  interrupt_once_ready(
      body,
      [](const safepoint::handle &) {
        return __atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE);
      },
      "the worker never reached the code under test");
}

/// Runs f() on a worker inside `Tracked outer(0); try { f(); } catch (Timeout&)`
/// and checks that the catch saw the interrupt with its data, that `outer` was
/// still alive in the handler, and that every tracked object was destroyed
/// exactly once.
template <class F> void expect_caught(F f) {
  reset();
  bool caught = false;
  interrupt_when_reached([&] {
    Tracked outer(0);
    try {
      f();
    } catch (Timeout &t) {
      CHECK(t.what == "e2e" && t.seconds == 3);
      CHECK(built[0] == 1 && destroyed[0] == 0);
      caught = true;
    }
  });
  CHECK(caught);
  for (int tag = 0; tag < 32; ++tag)
    CHECK(balanced(tag));
}

} // namespace harness

#endif
