//===- safepoint/signal.hpp - Signals as interrupts -------------*- C++ -*-===//
//
// Ctrl-C with proper cleanup: SIGINT/SIGTERM become an exception thrown in
// a chosen thread at its next poll, so every destructor runs on the way out.
//
// \code
//   int main() {
//     safepoint::signal_interrupts ctrl_c;       // SIGINT, SIGTERM -> main
//     try {
//       run();
//     } catch (const safepoint::signal_received &s) {
//       std::fprintf(stderr, "stopped by %s\n", s.what());
//       return 128 + s.signo;
//     }
//   }
// \endcode
//
// A second signal of the set within `escalate_within` of the previous one
// falls back to the default action (the process dies as it would have
// without Safepoint), for when the target is stuck where interrupts cannot
// reach it.
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_SIGNAL_HPP
#define SAFEPOINT_SIGNAL_HPP

#include "safepoint/safepoint.hpp"

#include <chrono>
#include <csignal>
#include <initializer_list>
#include <vector>

namespace safepoint {

/// What signal_interrupts delivers. Like thread_exit, not derived from
/// std::exception, so `catch (std::exception&)` does not swallow Ctrl-C.
struct signal_received {
  int signo;
  /// "SIGINT", "SIGTERM", ... ("signal" for others).
  [[nodiscard]] const char *what() const noexcept;
};

/// RAII: while alive, each of \p signals interrupts \p target (default: the
/// constructing thread, typically main) with signal_received{signo}.
///
/// The signal handler only writes the signal number to a pipe
/// (async-signal-safe); a runtime thread reads it and calls interrupt(), so
/// the exception is thrown at the target's next poll or interruptible wait,
/// never inside the handler. Handlers use SA_RESTART: uninstrumented code
/// blocked in a system call is not disturbed (see enable_signal_wakeup in
/// safepoint/wait.hpp to knock it out). A second signal of the set within
/// \p escalate_within of the previous one restores the default action and
/// re-raises it; zero disables escalation. The destructor restores the
/// previous handlers. One instance at a time.
/// \throws std::logic_error if another instance is alive;
///         std::invalid_argument for an empty target or a bad signal;
///         std::system_error if a handler cannot be installed.
class signal_interrupts {
public:
  explicit signal_interrupts(
      std::initializer_list<int> signals = {SIGINT, SIGTERM},
      handle target = this_thread::handle(),
      std::chrono::milliseconds escalate_within = std::chrono::seconds(2));
  ~signal_interrupts();
  signal_interrupts(const signal_interrupts &) = delete;
  signal_interrupts &operator=(const signal_interrupts &) = delete;

private:
  std::vector<int> signals_;
  std::vector<struct sigaction> previous_;
};

} // namespace safepoint

#endif // SAFEPOINT_SIGNAL_HPP
