//===- request.h - Tracked interrupts, shared by the runtime sources
//-------===//
//
// Not installed. A request_state is the shared state behind a
// safepoint::delivery: the interrupt's life from scheduled (an alarm not yet
// fired) or queued to exactly one final status. Every transition is a CAS on
// `status`, so cancel() racing with delivery, a timer or the target's exit
// has one winner. Waiters sleep on the condition variable.
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_SRC_REQUEST_H
#define SAFEPOINT_SRC_REQUEST_H

#include "safepoint/safepoint.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace safepoint::detail {

struct request_state {
  /// Internal status between queued and a final status: the target has
  /// claimed the interrupt and is running handlers or throwing it. Reported
  /// as queued; cancel() fails from here on.
  static constexpr int delivering = 100;

  explicit request_state(handle t, delivery_status s)
      : target(std::move(t)), status(int(s)) {}

  /// Moves from \p from to the final status \p to; false if the status was
  /// not \p from. Wakes waiters on success.
  bool transition(int from, delivery_status to) noexcept {
    if (!status.compare_exchange_strong(from, int(to),
                                        std::memory_order_acq_rel))
      return false;
    { std::lock_guard lock(mutex); }
    cv.notify_all();
    return true;
  }
  /// Moves from any non-final status to \p to (queued -> dropped when the
  /// node dies with its thread, ...).
  bool finish(delivery_status to) noexcept {
    for (int s = status.load(std::memory_order_acquire); !is_final(s);
         s = status.load(std::memory_order_acquire))
      if (transition(s, to))
        return true;
    return false;
  }
  static bool is_final(int s) noexcept {
    return s != int(delivery_status::scheduled) &&
           s != int(delivery_status::queued) && s != delivering;
  }

  const handle target;
  std::atomic<int> status;
  std::mutex mutex;
  std::condition_variable cv;
  std::string site; // written before the final status (debug sites)
  /// Set by an alarm while it is scheduled: cancels the timer. Called with
  /// no lock held; may be called after the timer fired (then a no-op).
  std::function<void()> cancel_timer;
  bool armed = false; // in the timer's queue; guarded by the timer's mutex
};

/// A receipt for \p s.
delivery make_delivery(std::shared_ptr<request_state> s) noexcept;

/// Queues an interrupt node for \p target: the exception \p e (thrown at the
/// poll), or, if \p action is set, a callable run at the poll instead. \p req
/// (optional) is moved to queued, or to dropped if the target has exited.
/// \returns true iff queued for a live thread.
bool post(const handle &target, std::exception_ptr e,
          std::function<void()> action, std::shared_ptr<request_state> req);

} // namespace safepoint::detail

#endif
