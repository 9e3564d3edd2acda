//===- safepoint/handshake.hpp - Code run at another thread's safepoint -*- C++
//-*-===//
//
// Two ways to run code at the interrupt point itself, in the target thread:
//
//  - run_on(thread, f): a handshake. f runs on the target at its next
//    safepoint and its result comes back through a std::future, like
//    HotSpot's thread-local handshakes or a Windows APC: sample a stack,
//    flush a per-thread buffer, change per-thread state without locks.
//
//  - on_interrupt<E>(h): a handler for interrupts of type E, registered by
//    the thread for a scope. When such an interrupt is delivered, h runs at
//    the poll before anything unwinds, and decides: return (resume the
//    thread as if nothing happened), or throw (propagate the interrupt with
//    `throw;`, or transform it by throwing another exception from the poll).
//
// \code
//   auto flushed = safepoint::run_on(worker, [] { return log.flush(); });
//   std::size_t n = flushed.get();
//
//   auto h = safepoint::on_interrupt<Progress>(
//       [&](Progress &) { report(i); });          // resume: the loop goes on
//   auto t = safepoint::on_interrupt<Timeout>([&](Timeout &t) {
//     if (can_extend(t)) return safepoint::interrupt_action::resume;
//     throw Cancelled{t.what};                     // transform
//   });
// \endcode
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_HANDSHAKE_HPP
#define SAFEPOINT_HANDSHAKE_HPP

#include "safepoint/safepoint.hpp"

#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <type_traits>
#include <utility>

namespace safepoint {

namespace detail {
/// Queues \p action to run on \p target at its next safepoint.
/// \returns true iff queued for a live thread (else \p action is destroyed
///          without running).
bool post_action(const handle &target, std::function<void()> action);
} // namespace detail

/// Runs \p f on \p target at its next safepoint (a poll outside masked
/// code, or inside an interruptible wait, which then goes on waiting) and
/// returns the future of its result.
///
/// Handshakes and interrupts share the target's queue, oldest first. f runs
/// with delivery deferred (it is never interrupted itself); an exception
/// from f is stored in the future, never thrown in the target. f runs at an
/// arbitrary poll: it must not take locks the target may hold there, and
/// should be short. If the target exits first, or had exited, f is
/// destroyed without running and the future reports
/// std::future_errc::broken_promise.
/// \throws std::invalid_argument if \p target is empty.
template <class F>
[[nodiscard]] std::future<std::invoke_result_t<std::decay_t<F> &>>
run_on(const handle &target, F &&f) {
  using R = std::invoke_result_t<std::decay_t<F> &>;
  if (!target)
    throw std::invalid_argument("safepoint::run_on: empty handle");
  auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
  std::future<R> result = task->get_future();
  detail::post_action(target, [task = std::move(task)] { (*task)(); });
  return result;
}

/// What an on_interrupt handler decides (a handler returning void resumes).
enum class interrupt_action {
  resume,   ///< the poll returns; the interrupt is consumed
  propagate ///< the poll throws the interrupt, as without the handler
};

namespace detail {
/// A registered handler: a node of the calling thread's handler stack.
class interrupt_handler_base {
public:
  enum class verdict { no_match, resume, propagate };
  /// Offers \p e; lets an exception thrown by the handler propagate.
  virtual verdict invoke(const std::exception_ptr &e) = 0;

  interrupt_handler_base *outer_; // the enclosing handler (runtime-owned)

protected:
  interrupt_handler_base() noexcept; // pushes this
  ~interrupt_handler_base();         // pops this
  interrupt_handler_base(const interrupt_handler_base &) = delete;
  interrupt_handler_base &operator=(const interrupt_handler_base &) = delete;
};
} // namespace detail

/// RAII: while alive, interrupts of type E (or derived from E) delivered to
/// the calling thread run \p h at the poll first. Handlers nest; the
/// innermost matching one decides. h runs inside a catch handler (further
/// interrupts are deferred while it runs), gets the interrupt as E&, and
/// returns void or interrupt_action; `throw;` propagates the interrupt and
/// throwing another exception replaces it. Must be destroyed on the thread
/// that created it, in reverse order of creation (use it as a local).
template <class E, class H>
class interrupt_handler final : private detail::interrupt_handler_base {
public:
  explicit interrupt_handler(H h) : h_(std::move(h)) {}

private:
  verdict invoke(const std::exception_ptr &e) override {
    try {
      std::rethrow_exception(e);
    } catch (E &x) {
      if constexpr (std::is_void_v<std::invoke_result_t<H &, E &>>) {
        h_(x);
        return verdict::resume;
      } else {
        static_assert(
            std::is_same_v<std::invoke_result_t<H &, E &>, interrupt_action>,
            "an on_interrupt handler returns void or interrupt_action");
        return h_(x) == interrupt_action::resume ? verdict::resume
                                                 : verdict::propagate;
      }
    } catch (...) {
      return verdict::no_match;
    }
  }
  H h_;
};

/// Registers \p h for interrupts of type E on the calling thread until the
/// returned object dies: `auto h = safepoint::on_interrupt<E>(...);`.
template <class E, class H>
[[nodiscard]] interrupt_handler<E, std::decay_t<H>> on_interrupt(H &&h) {
  return interrupt_handler<E, std::decay_t<H>>(std::forward<H>(h));
}

} // namespace safepoint

#endif // SAFEPOINT_HANDSHAKE_HPP
