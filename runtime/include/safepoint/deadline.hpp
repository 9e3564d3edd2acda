//===- safepoint/deadline.hpp - Alarms, watchdogs and scoped deadlines -*- C++
//-*-===//
//
// Time limits that need no token passed around: they arrive as interrupts,
// so they are enforced at every poll and inside every interruptible wait.
//
// \code
//   // A watchdog: interrupt the worker in 200 ms unless cancelled.
//   safepoint::delivery alarm =
//       safepoint::interrupt_after(worker.handle(), 200ms, Timeout{"plan"});
//   ...
//   alarm.cancel();                     // finished in time
//
//   // The calling thread's own deadlines, nestable:
//   auto plan = safepoint::with_deadline(2s, [&] { return search(); });
//                                       // throws deadline_exceeded
//   std::optional<Path> quick =
//       safepoint::move_on_after(50ms, [&] { return refine(plan); });
//                                       // std::nullopt if the time ran out
// \endcode
//
// A deadline scope is cancelled when it ends, also if its deadline already
// fired and the interrupt is still queued (masked code delayed it): an
// expired scope's interrupt never escapes to the code after the scope. Each
// scope's interrupt names the scope, so an inner move_on_after catches only
// its own expiry and an outer one's passes through it.
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_DEADLINE_HPP
#define SAFEPOINT_DEADLINE_HPP

#include "safepoint/safepoint.hpp"

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace safepoint {

/// What a deadline scope throws when its deadline passes. Like
/// thread_exit, not derived from std::exception: a `catch (std::exception&)`
/// in the code being timed must not swallow a cancellation.
struct deadline_exceeded {
  std::uint64_t scope;                            ///< the scope that expired
  std::chrono::steady_clock::time_point deadline; ///< its deadline
  [[nodiscard]] const char *what() const noexcept {
    return "safepoint: deadline exceeded";
  }
};

namespace detail {
delivery schedule(const handle &target, deadline_ns when, std::exception_ptr e);
} // namespace detail

/// Schedules interrupt(target, e) after \p delay (or at \p when). Returns
/// the receipt: status() is scheduled until the alarm fires, cancel()
/// cancels it (or withdraws it if it fired but was not taken yet), wait()
/// waits for the delivery. Alarms fire from one runtime timer thread.
/// \throws std::invalid_argument if \p target is empty.
template <class Rep, class Period, class E>
delivery interrupt_after(const handle &target,
                         const std::chrono::duration<Rep, Period> &delay,
                         E &&e) {
  return detail::schedule(target, detail::to_deadline(delay),
                          std::make_exception_ptr(std::forward<E>(e)));
}
template <class Clock, class Duration, class E>
delivery interrupt_at(const handle &target,
                      const std::chrono::time_point<Clock, Duration> &when,
                      E &&e) {
  return detail::schedule(target, detail::to_deadline(when),
                          std::make_exception_ptr(std::forward<E>(e)));
}

/// RAII: a deadline for the calling thread. When it passes before the scope
/// ends, the thread is interrupted with deadline_exceeded{id()} (or the
/// exception given). The destructor cancels the deadline and withdraws its
/// interrupt if it fired but was not taken yet. Must be a local: scopes end
/// in reverse order of creation on the thread that created them.
class deadline_scope {
public:
  template <class Rep, class Period>
  explicit deadline_scope(const std::chrono::duration<Rep, Period> &d)
      : deadline_scope(detail::to_deadline(d), nullptr) {}
  template <class Clock, class Duration>
  explicit deadline_scope(const std::chrono::time_point<Clock, Duration> &t)
      : deadline_scope(detail::to_deadline(t), nullptr) {}
  /// Throws \p e instead of deadline_exceeded when the deadline passes.
  template <class Rep, class Period>
  deadline_scope(const std::chrono::duration<Rep, Period> &d,
                 std::exception_ptr e)
      : deadline_scope(detail::to_deadline(d), std::move(e)) {}
  ~deadline_scope();
  deadline_scope(const deadline_scope &) = delete;
  deadline_scope &operator=(const deadline_scope &) = delete;

  /// The id carried by this scope's deadline_exceeded.
  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const noexcept;
  /// True iff the deadline has passed.
  [[nodiscard]] bool expired() const noexcept;

  deadline_scope(detail::deadline_ns when, std::exception_ptr e);

private:
  delivery alarm_;
  std::uint64_t id_;
  detail::deadline_ns when_;
  deadline_scope *outer_;
  friend std::optional<std::chrono::steady_clock::time_point>
  current_deadline() noexcept;
};

/// The earliest deadline of the calling thread's active deadline scopes,
/// for code that passes a timeout to something Safepoint does not cover.
[[nodiscard]] std::optional<std::chrono::steady_clock::time_point>
current_deadline() noexcept;

/// Runs f() with a deadline: returns its result, or throws
/// deadline_exceeded (through f's destructors) if the time runs out first.
template <class Limit, class F>
std::invoke_result_t<F &> with_deadline(const Limit &limit, F &&f) {
  deadline_scope scope(limit);
  return std::invoke(f);
}

/// Runs f() with a deadline and abandons it silently when the time runs
/// out: returns f's result, or std::nullopt (false for void f) if the
/// deadline passed first. Only this scope's own expiry is caught: an outer
/// scope's deadline_exceeded, or any other exception, propagates.
template <class Limit, class F> auto move_on_after(const Limit &limit, F &&f) {
  using R = std::invoke_result_t<F &>;
  using result =
      std::conditional_t<std::is_void_v<R>, bool,
                         std::optional<std::conditional_t<
                             std::is_void_v<R>, int, std::remove_cvref_t<R>>>>;
  deadline_scope scope(limit);
  try {
    if constexpr (std::is_void_v<R>) {
      std::invoke(f);
      return result(true);
    } else {
      return result(std::invoke(f));
    }
  } catch (const deadline_exceeded &e) {
    if (e.scope != scope.id())
      throw;
    return result{};
  }
}

} // namespace safepoint

#endif // SAFEPOINT_DEADLINE_HPP
