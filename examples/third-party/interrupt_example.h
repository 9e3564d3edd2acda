// Shared by the third-party interrupt examples (tests/third-party/run.sh
// builds each with its library, both instrumented and with AddressSanitizer):
// runs a long call into a library on a safepoint::thread, interrupts it from
// the main thread once it is well under way, and reports what happened.
//
// No sleeps: the two threads meet through a handshake. The library calls
// back into the example (a snappy Sink, pugixml's allocator, ninja's file
// reader, a leveldb comparator); after a given number of calls the callback
// tells the main thread that the long call is under way and waits, with
// interrupts masked, until the interrupt has been sent. The interrupt is
// then queued while the library is mid-call, and is thrown at the first
// poll in the library after the callback returns.
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

/// The meeting point of a long call (on a worker thread) and the thread that
/// interrupts it. The worker calls arm() before the call; the library's
/// callbacks call reached(); the `after`-th of them, on the armed thread,
/// blocks until release().
class Handshake {
public:
  enum State { idle, armed, waiting, released, returned };

  explicit Handshake(long after) : after_(after) {}

  /// On the worker thread, before the long call.
  void arm() {
    thread_.store(std::this_thread::get_id());
    countdown_.store(after_);
    set(armed);
  }

  /// From a callback the library makes. Cheap until the count is reached;
  /// then the call is well under way: tell the interrupting thread and wait
  /// until it has sent the interrupt. Interrupts are masked here, so the one
  /// sent meanwhile is thrown at the next poll after return, in the library.
  SAFEPOINT_NO_INTERRUPTS void reached() {
    if (state_.load(std::memory_order_acquire) != armed ||
        std::this_thread::get_id() != thread_.load() ||
        countdown_.fetch_sub(1) > 1)
      return;
    set(waiting);
    state_.wait(waiting);
  }

  /// On the worker thread, when the long call ended (returned or threw)
  /// before reaching the handshake; no-op after it.
  void call_ended() {
    int expected = armed;
    if (state_.compare_exchange_strong(expected, returned))
      state_.notify_all();
  }

  /// On the interrupting thread: waits for reached() or call_ended().
  State wait() {
    for (int s = state_.load();; s = state_.load()) {
      if (s == waiting || s == returned)
        return State(s);
      state_.wait(s);
    }
  }

  /// On the interrupting thread, once the interrupt is sent.
  void release() { set(released); }

  State state() const { return State(state_.load()); }

private:
  void set(State s) {
    state_.store(s);
    state_.notify_all();
  }

  const long after_;
  std::atomic<long> countdown_{0};
  std::atomic<int> state_{idle};
  std::atomic<std::thread::id> thread_{}; // other threads may call reached()
};

/// Runs long_call() on a new safepoint::thread; once it is under way
/// (hs.reached() by a callback from the library), interrupts it with
/// Cancelled{what}. Returns true iff the call ended by that interrupt, false
/// if it returned before reaching the handshake. Any other exception escapes.
template <class F>
bool interrupt_long_call(const char *what, Handshake &hs, F long_call) {
  auto t0 = clock::now();
  safepoint::thread worker([&] {
    hs.arm();
    struct Ended { // also when long_call() throws something else
      Handshake &hs;
      ~Ended() { hs.call_ended(); }
    } ended{hs};
    long_call();
  });
  if (hs.wait() == Handshake::returned) {
    worker.join();
    std::printf("%s: the call returned (%.0f ms) before the handshake\n", what,
                ms_since(t0));
    return false;
  }
  double under_way = ms_since(t0);
  auto t1 = clock::now();
  EXAMPLE_CHECK(worker.interrupt(Cancelled{what}));
  hs.release();
  try {
    // A bound, not a synchronization: an interrupt must arrive at once.
    if (!worker.join_for(std::chrono::seconds(120))) {
      std::fprintf(stderr, "%s: the interrupt was not delivered within 120 s\n",
                   what);
      std::abort();
    }
  } catch (Cancelled &c) {
    std::printf("%s: interrupted %.0f ms into the call; caught "
                "Cancelled{\"%s\"} %.2f ms after sending it\n",
                what, under_way, c.why.c_str(), ms_since(t1));
    return hs.state() == Handshake::released;
  }
  std::printf("%s: the call returned although interrupted (%.0f ms)\n", what,
              ms_since(t0));
  return false;
}

} // namespace example

#endif
