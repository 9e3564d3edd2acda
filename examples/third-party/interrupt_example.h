// Shared by the third-party interrupt examples (tests/third-party/run.sh
// builds each with the library, both instrumented and with
// AddressSanitizer): runs a long call into a library on a safepoint::thread,
// interrupts it once it is well under way, and reports what happened.
#ifndef SAFEPOINT_EXAMPLES_THIRD_PARTY_INTERRUPT_EXAMPLE_H
#define SAFEPOINT_EXAMPLES_THIRD_PARTY_INTERRUPT_EXAMPLE_H

#include <safepoint/safepoint.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#define EXAMPLE_CHECK(cond)                                                    \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                   #cond);                                                     \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

namespace example {

/// What the examples deliver: any type works, this one carries a reason.
struct Cancelled {
  std::string why;
};

using clock = std::chrono::steady_clock;
inline double ms_since(clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock::now() - t0).count();
}

/// Runs long_call() on a new thread, interrupts it with Cancelled{why}
/// `delay` after it started, and returns true iff the call ended by the
/// interrupt (false if it returned first). Any other exception escapes.
template <class F>
bool interrupt_long_call(const char *what, F long_call,
                         std::chrono::milliseconds delay) {
  std::atomic<bool> started{false};
  std::atomic<bool> returned{false};
  safepoint::thread worker([&] {
    started.store(true);
    long_call();
    returned.store(true);
  });
  while (!started.load())
    std::this_thread::yield();
  auto t0 = clock::now();
  std::this_thread::sleep_for(delay);
  double sent = ms_since(t0);
  auto t1 = clock::now();
  worker.interrupt(Cancelled{what});
  try {
    worker.join();
  } catch (Cancelled &c) {
    std::printf("%s: interrupted %.0f ms into the call; caught "
                "Cancelled{\"%s\"} %.1f ms later\n",
                what, sent, c.why.c_str(), ms_since(t1));
    return !returned.load();
  }
  std::printf("%s: the call returned before the interrupt (%.0f ms)\n", what,
              ms_since(t0));
  return false;
}

} // namespace example

#endif
