//===- safepoint/wait.hpp - Interruptible blocking waits --------*- C++ -*-===//
//
// A thread blocked in one of these waits wakes when it is interrupted and
// throws the interrupt, leaving the resource in a correct state:
//
// \code
//   std::unique_lock lk(m);
//   safepoint::wait(cv, lk, [&] { return ready; }); // lk held, also if thrown
//   safepoint::sleep_for(5s);
//   std::size_t n = safepoint::read(fd, buf, sizeof buf); // exactly once
//   safepoint::mutex sm; std::lock_guard g(sm);  // lock() is interruptible
// \endcode
//
// Rules shared by every wait here:
//  - The interrupt is thrown exactly as a poll throws it (the oldest queued
//    one), after the wait has undone its side effects (mutex not acquired,
//    nothing read, semaphore not decremented; a condition variable's mutex
//    is held again).
//  - While delivery is deferred (no_interrupts, a compiler mask, unwinding,
//    an active catch handler) the waits block exactly like the std
//    primitive; the interrupt stays queued. There is no "interruptible while
//    masked" class of waits: lift the mask explicitly with
//    safepoint::interrupts_enabled if a masked region must be interruptible.
//  - A thread that never got a handle (this_thread::handle(), or being a
//    safepoint::thread) cannot be interrupted; its waits are the std ones.
//  - An interrupt racing with a notify, a timeout or the start of the wait is
//    never lost and delivered once: if both the event and the interrupt
//    happened, the event wins where it consumes something (a read, an
//    acquired lock or semaphore, an accepted connection) and the interrupt
//    stays queued for the next poll; otherwise the interrupt is thrown.
//
// See docs/waits.md for the design, the list of covered calls in existing
// code (redirected by the compiler plugin) and measured wake latencies.
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_WAIT_HPP
#define SAFEPOINT_WAIT_HPP

#include "safepoint/safepoint.hpp"

#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <future>
#include <latch>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <thread>
#include <type_traits>

#include <poll.h>
#include <sys/socket.h>

namespace safepoint {

//===----------------------------------------------------------------------===//
// Internals used by the templates below
//===----------------------------------------------------------------------===//

namespace detail {

/// A registered waker (see wait_scope). Internal layout, not ABI-stable.
struct waker_node {
  void (*wake)(waker_node *self) noexcept = nullptr;
  std::atomic<uint32_t> done{0};
};

/// Registers \p n if the calling thread can be interrupted now (registered,
/// delivery not deferred). Returns whether it did.
bool scope_enter(waker_node *n) noexcept;
/// Unregisters \p n (registered by scope_enter); waits for a sender that is
/// calling it to return.
void scope_exit(waker_node *n) noexcept;
/// True iff a poll now would throw.
bool deliverable() noexcept;

enum class wait_result { woken, interrupted, timeout };

/// Sleeps until the deadline; throws if interrupted.
void sleep_until_ns(deadline_ns deadline);

/// Blocks while *word == expected (32-bit futex word, process-private or
/// shared), until woken, the deadline or a deliverable interrupt. Spurious
/// returns are possible: callers re-check their condition.
wait_result futex_wait(const void *word, uint32_t expected, bool shared,
                       deadline_ns deadline) noexcept;

/// Operations a sender needs to wake a thread waiting on a condition
/// variable without blocking: try the waiter's mutex; if that succeeds the
/// waiter is inside the condition variable wait, so notify_all reaches it.
/// Otherwise a runtime service thread retries (see docs/waits.md).
struct cv_ops {
  void *mutex;
  bool (*try_lock)(void *mutex) noexcept;
  void (*unlock)(void *mutex) noexcept;
  void *cv;
  void (*notify_all)(void *cv) noexcept;
};
/// Runs block(ctx) -- a wait on the condition variable, mutex held before
/// and after -- with a waker registered. Returns interrupted (without
/// blocking if an interrupt was already deliverable), or woken/timeout as
/// block reports it (block returns true on timeout).
wait_result cv_wait(const cv_ops &ops, bool (*block)(void *ctx), void *ctx);

/// Interruptible std::thread::join; throws the interrupt (still joinable).
void join(std::thread &t);

/// Slow paths of the mutex types.
bool mutex_lock_slow(std::atomic<uint32_t> &state, deadline_ns deadline);
/// Wakes one (or all) threads sleeping in a mutex slow path on \p state.
void mutex_wake(std::atomic<uint32_t> &state, bool all = false) noexcept;
bool shared_lock_slow(std::atomic<uint32_t> &state, bool exclusive,
                      deadline_ns deadline);

/// Does what a poll does for the interrupt that ended a wait: throws it, or
/// returns if nothing is to be thrown any more (an on_interrupt handler
/// resumed, or the interrupt was withdrawn); the caller then waits on.
void take_interrupt();

} // namespace detail

//===----------------------------------------------------------------------===//
// Hook for user-defined blocking primitives
//===----------------------------------------------------------------------===//

/// RAII: makes the calling thread's own blocking primitive interruptible.
///
/// While a wait_scope lives, interrupt() of this thread calls \p wake (at
/// most once per scope, on the sender's thread). \p wake must be noexcept,
/// must not block and must not take locks the waiting thread may hold; it
/// should make the blocked wait return (set a flag and notify, write an
/// eventfd, ...). The waiting thread uses it like this:
/// \code
///   while (!ready()) {
///     flag = 0;
///     {
///       safepoint::wait_scope scope([&]() noexcept { flag = 1; futex_wake(&flag); });
///       while (!ready() && !scope.interrupted())
///         block_until_ready_or(flag);  // must return once wake() ran
///     }
///     safepoint::poll();  // throws the interrupt, or runs a handshake
///   }                     // (run_on) and returns: then wait again
/// \endcode
/// Check interrupted() after constructing the scope and before each block:
/// an interrupt that arrived before the scope existed does not call wake.
/// The destructor waits for a sender that is inside wake() to return.
///
/// If the thread cannot be interrupted now (delivery deferred, or no handle
/// to it exists), the scope is inactive: wake is never called and
/// interrupted() is false, so the wait blocks like the plain primitive.
template <class Wake> class wait_scope : private detail::waker_node {
  static_assert(std::is_nothrow_invocable_v<Wake &>,
                "the waker must be a noexcept callable");

public:
  explicit wait_scope(Wake wake) noexcept(
      std::is_nothrow_move_constructible_v<Wake>)
      : wake_(std::move(wake)) {
    this->detail::waker_node::wake = [](detail::waker_node *self) noexcept {
      static_cast<wait_scope *>(self)->wake_();
    };
    active_ = detail::scope_enter(this);
  }
  ~wait_scope() {
    if (active_)
      detail::scope_exit(this);
  }
  wait_scope(const wait_scope &) = delete;
  wait_scope &operator=(const wait_scope &) = delete;

  /// True iff the wait should end because an interrupt is deliverable (the
  /// next poll throws it).
  [[nodiscard]] bool interrupted() const noexcept {
    return active_ && detail::deliverable();
  }
  /// False if wake will never be called (see above).
  [[nodiscard]] bool active() const noexcept { return active_; }

private:
  Wake wake_;
  bool active_;
};

/// True while \p target is inside an interruptible wait (a wait_scope or one
/// of the waits below has registered its waker). For tests and diagnostics:
/// the target may leave the wait at any moment.
[[nodiscard]] bool is_waiting(const handle &target) noexcept;

/// Opt-in wake-up of code not compiled with the plugin that is blocked in a
/// system call: installs a no-op handler for \p signo without SA_RESTART;
/// from then on every interrupt() also sends \p signo to its target, so a
/// blocking system call there fails with EINTR (read, write, poll, accept,
/// connect, nanosleep, sem_wait, ...). The interrupt is thrown at the next
/// poll once that code returns to instrumented code. Replaces any handler of
/// \p signo. The program must tolerate EINTR everywhere.
/// \throws std::invalid_argument or std::system_error.
void enable_signal_wakeup(int signo = SIGURG);
/// Stops sending the signal (the handler stays installed).
void disable_signal_wakeup() noexcept;

//===----------------------------------------------------------------------===//
// Sleeping
//===----------------------------------------------------------------------===//

template <class Rep, class Period>
void sleep_for(const std::chrono::duration<Rep, Period> &d) {
  if (d > d.zero())
    detail::sleep_until_ns(detail::to_deadline(d));
  else
    poll();
}

template <class Clock, class Duration>
void sleep_until(const std::chrono::time_point<Clock, Duration> &t) {
  for (;;) {
    if (Clock::now() >= t) {
      poll();
      return;
    }
    detail::sleep_until_ns(detail::to_deadline(t));
  }
}

//===----------------------------------------------------------------------===//
// Condition variables: the lock is held when the wait returns or throws.
//===----------------------------------------------------------------------===//

namespace detail {
template <class M> bool try_lock_fn(void *m) noexcept {
  try {
    return static_cast<M *>(m)->try_lock();
  } catch (...) {
    return false;
  }
}
template <class M> void unlock_fn(void *m) noexcept {
  static_cast<M *>(m)->unlock();
}
template <class M> bool try_lock_shared_fn(void *m) noexcept {
  try {
    return static_cast<M *>(m)->try_lock_shared();
  } catch (...) {
    return false;
  }
}
template <class M> void unlock_shared_fn(void *m) noexcept {
  static_cast<M *>(m)->unlock_shared();
}

/// The mutex a sender must briefly own to notify safely.
template <class Lock> cv_ops lock_ops(Lock &lk) {
  cv_ops ops{};
  if constexpr (requires { lk.mutex(); lk.owns_lock(); }) {
    using M = std::remove_pointer_t<decltype(lk.mutex())>;
    if constexpr (requires(std::shared_lock<M> &l) { l = std::move(lk); }) {
      ops.try_lock = try_lock_shared_fn<M>;
      ops.unlock = unlock_shared_fn<M>;
    } else {
      ops.try_lock = try_lock_fn<M>;
      ops.unlock = unlock_fn<M>;
    }
    ops.mutex = lk.mutex();
  } else {
    static_assert(requires { lk.try_lock(); },
                  "safepoint::wait(condition_variable_any&, Lock&) needs a "
                  "Lock with try_lock() or a unique_lock/shared_lock");
    ops.try_lock = try_lock_fn<Lock>;
    ops.unlock = unlock_fn<Lock>;
    ops.mutex = &lk;
  }
  return ops;
}

template <class CV, class Lock, class Deadline>
wait_result cv_wait_impl(CV &cv, Lock &lk, const Deadline *deadline) {
  cv_ops ops = lock_ops(lk);
  ops.cv = &cv;
  ops.notify_all = [](void *c) noexcept { static_cast<CV *>(c)->notify_all(); };
  struct ctx_t {
    CV &cv;
    Lock &lk;
    const Deadline *deadline;
  } ctx{cv, lk, deadline};
  auto block = [](void *p) -> bool {
    auto &c = *static_cast<ctx_t *>(p);
    // The relock inside the wait must not throw (e.g. an interruptible
    // safepoint::mutex): the lock is held whatever happens.
    no_interrupts mask;
    if (!c.deadline) {
      c.cv.wait(c.lk);
      return false;
    }
    return c.cv.wait_until(c.lk, *c.deadline) == std::cv_status::timeout;
  };
  return cv_wait(ops, block, &ctx);
}
} // namespace detail

/// One wait on \p cv: returns after a notify or a spurious wake-up, throws
/// the interrupt with \p lk held.
inline void wait(std::condition_variable &cv,
                 std::unique_lock<std::mutex> &lk) {
  if (detail::cv_wait_impl(cv, lk,
                           static_cast<const std::chrono::steady_clock::
                                           time_point *>(nullptr)) ==
      detail::wait_result::interrupted)
    detail::take_interrupt(); // returning is a spurious wake-up
}

template <class Lock>
void wait(std::condition_variable_any &cv, Lock &lk) {
  if (detail::cv_wait_impl(cv, lk,
                           static_cast<const std::chrono::steady_clock::
                                           time_point *>(nullptr)) ==
      detail::wait_result::interrupted)
    detail::take_interrupt();
}

template <class CV, class Lock, class Pred>
  requires(std::is_same_v<CV, std::condition_variable> ||
           std::is_same_v<CV, std::condition_variable_any>)
void wait(CV &cv, Lock &lk, Pred pred) {
  using tp = std::chrono::steady_clock::time_point;
  while (!pred())
    if (detail::cv_wait_impl(cv, lk, static_cast<const tp *>(nullptr)) ==
            detail::wait_result::interrupted &&
        !pred()) // a notify that raced with the interrupt wins
      detail::take_interrupt();
}

template <class CV, class Lock, class Clock, class Duration>
  requires(std::is_same_v<CV, std::condition_variable> ||
           std::is_same_v<CV, std::condition_variable_any>)
std::cv_status wait_until(CV &cv, Lock &lk,
                          const std::chrono::time_point<Clock, Duration> &t) {
  switch (detail::cv_wait_impl(cv, lk, &t)) {
  case detail::wait_result::interrupted:
    detail::take_interrupt(); // returning is a spurious wake-up
    break;
  case detail::wait_result::timeout:
    return std::cv_status::timeout;
  case detail::wait_result::woken:
    break;
  }
  return Clock::now() >= t ? std::cv_status::timeout
                           : std::cv_status::no_timeout;
}

template <class CV, class Lock, class Clock, class Duration, class Pred>
  requires(std::is_same_v<CV, std::condition_variable> ||
           std::is_same_v<CV, std::condition_variable_any>)
bool wait_until(CV &cv, Lock &lk,
                const std::chrono::time_point<Clock, Duration> &t, Pred pred) {
  while (!pred()) {
    switch (detail::cv_wait_impl(cv, lk, &t)) {
    case detail::wait_result::interrupted:
      if (pred()) // a notify that raced with the interrupt wins
        return true;
      detail::take_interrupt();
      [[fallthrough]]; // a handler resumed: as a wake-up
    case detail::wait_result::woken:
      if (Clock::now() >= t)
        return pred();
      break;
    case detail::wait_result::timeout:
      return pred();
    }
  }
  return true;
}

template <class CV, class Lock, class Rep, class Period>
  requires(std::is_same_v<CV, std::condition_variable> ||
           std::is_same_v<CV, std::condition_variable_any>)
std::cv_status wait_for(CV &cv, Lock &lk,
                        const std::chrono::duration<Rep, Period> &d) {
  return ::safepoint::wait_until(cv, lk, std::chrono::steady_clock::now() + d);
}

template <class CV, class Lock, class Rep, class Period, class Pred>
  requires(std::is_same_v<CV, std::condition_variable> ||
           std::is_same_v<CV, std::condition_variable_any>)
bool wait_for(CV &cv, Lock &lk, const std::chrono::duration<Rep, Period> &d,
              Pred pred) {
  return ::safepoint::wait_until(cv, lk, std::chrono::steady_clock::now() + d,
                                 std::move(pred));
}

//===----------------------------------------------------------------------===//
// Mutexes whose lock() is interruptible
//===----------------------------------------------------------------------===//

/// A mutex (Lockable, like std::mutex) whose lock() throws an interrupt
/// that arrives while it waits; the mutex is then not held. While delivery
/// is deferred, lock() waits like std::mutex::lock(). Not recursive.
///
/// std::mutex itself cannot be locked interruptibly without busy-waiting:
/// it offers no way to sleep until it is unlocked *or* something else
/// happens, so Safepoint provides its own futex-based types.
class mutex {
public:
  constexpr mutex() noexcept = default;
  mutex(const mutex &) = delete;
  mutex &operator=(const mutex &) = delete;

  void lock() {
    uint32_t unlocked = 0;
    if (!state_.compare_exchange_strong(unlocked, 1,
                                        std::memory_order_acquire))
      detail::mutex_lock_slow(state_, detail::no_deadline);
  }
  [[nodiscard]] bool try_lock() noexcept {
    uint32_t unlocked = 0;
    return state_.compare_exchange_strong(unlocked, 1,
                                          std::memory_order_acquire);
  }
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2)
      detail::mutex_wake(state_);
  }

protected:
  std::atomic<uint32_t> state_{0}; // 0 free, 1 held, 2 held with waiters
};

/// safepoint::mutex with timed try-locks (TimedLockable); interruptible.
class timed_mutex : public mutex {
public:
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period> &d) {
    return try_lock() || detail::mutex_lock_slow(state_, detail::to_deadline(d));
  }
  template <class Clock, class Duration>
  bool try_lock_until(const std::chrono::time_point<Clock, Duration> &t) {
    return try_lock() || detail::mutex_lock_slow(state_, detail::to_deadline(t));
  }
};

/// A reader-writer mutex (SharedMutex, like std::shared_mutex) whose lock()
/// and lock_shared() are interruptible. Readers and writers are not
/// ordered fairly.
class shared_mutex {
public:
  constexpr shared_mutex() noexcept = default;
  shared_mutex(const shared_mutex &) = delete;
  shared_mutex &operator=(const shared_mutex &) = delete;

  void lock() {
    if (!try_lock())
      detail::shared_lock_slow(state_, true, detail::no_deadline);
  }
  [[nodiscard]] bool try_lock() noexcept {
    uint32_t s = state_.load(std::memory_order_relaxed);
    return (s & ~waiters) == 0 &&
           state_.compare_exchange_strong(s, s | writer,
                                          std::memory_order_acquire);
  }
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) & waiters)
      detail::mutex_wake(state_, true);
  }
  void lock_shared() {
    if (!try_lock_shared())
      detail::shared_lock_slow(state_, false, detail::no_deadline);
  }
  [[nodiscard]] bool try_lock_shared() noexcept {
    uint32_t s = state_.load(std::memory_order_relaxed);
    while (!(s & writer) && (s & readers) != readers)
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire))
        return true;
    return false;
  }
  void unlock_shared() noexcept {
    uint32_t s = state_.fetch_sub(1, std::memory_order_release) - 1;
    if ((s & readers) == 0 && (s & waiters) &&
        state_.compare_exchange_strong(s, s & ~waiters,
                                       std::memory_order_relaxed))
      detail::mutex_wake(state_, true);
  }

  static constexpr uint32_t writer = 1u << 31;
  static constexpr uint32_t waiters = 1u << 30;
  static constexpr uint32_t readers = waiters - 1;

private:
  std::atomic<uint32_t> state_{0};
};

//===----------------------------------------------------------------------===//
// Threads, futures, semaphores, latches
//===----------------------------------------------------------------------===//

/// std::thread::join() that throws an interrupt arriving while it waits;
/// \p t then stays joinable. (safepoint::thread::join is interruptible too.)
inline void join(std::thread &t) { detail::join(t); }

namespace detail {
#if defined(__GLIBCXX__)
// libstdc++'s shared state keeps its status in a private futex word; reach
// it through the explicit-instantiation access rule.
template <class Tag, typename Tag::type M> struct member_ptr {
  friend typename Tag::type get(Tag) { return M; }
};
struct future_state_tag {
  using type = std::shared_ptr<std::__future_base::_State_baseV2>
      std::__basic_future<void>::*;
  friend type get(future_state_tag);
};
struct future_status_tag {
  using type = std::__atomic_futex_unsigned<>
      std::__future_base::_State_baseV2::*;
  friend type get(future_status_tag);
};
struct futex_data_tag {
  using type = std::atomic<unsigned> std::__atomic_futex_unsigned<>::*;
  friend type get(futex_data_tag);
};
template struct member_ptr<future_state_tag, &std::__basic_future<void>::_M_state>;
template struct member_ptr<future_status_tag,
                           &std::__future_base::_State_baseV2::_M_status>;
template struct member_ptr<futex_data_tag,
                           &std::__atomic_futex_unsigned<>::_M_data>;

/// Waits for a shared state to become ready, interruptibly.
void future_wait(std::atomic<unsigned> &status, const void *state);

inline void wait_state(std::__future_base::_State_baseV2 *st) {
  if (!st)
    throw std::future_error(std::future_errc::no_state);
  std::atomic<unsigned> &data = (st->*get(future_status_tag{})).*get(futex_data_tag{});
  future_wait(data, st);
}
template <class F> std::__future_base::_State_baseV2 *state_of(F &f) {
  // All __basic_future<R> have the same layout: one shared_ptr.
  auto &base = reinterpret_cast<std::__basic_future<void> &>(f);
  return (base.*get(future_state_tag{})).get();
}
#endif
} // namespace detail

/// std::future::wait()/shared_future::wait() that throws an interrupt
/// arriving while the state is not ready. Deferred functions (std::async
/// with launch::deferred) run uninterruptibly, as in f.wait().
template <class F>
  requires requires(F &f) { f.wait(); f.valid(); }
void wait(F &f) {
#if defined(__GLIBCXX__)
  if (f.valid() && f.wait_for(std::chrono::seconds(0)) ==
                       std::future_status::timeout) {
    detail::wait_state(detail::state_of(f));
    return;
  }
#endif
  f.wait();
}

/// f.get() after an interruptible wait.
template <class R> R get(std::future<R> &f) {
  ::safepoint::wait(f);
  return f.get();
}
template <class R> decltype(auto) get(const std::shared_future<R> &f) {
  ::safepoint::wait(const_cast<std::shared_future<R> &>(f));
  return f.get();
}

namespace detail {
/// Whether libstdc++'s atomic waits use process-shared futex operations
/// (they do unless it was configured with private futexes).
#if defined(_GLIBCXX_HAVE_LINUX_FUTEX_PRIVATE)
inline constexpr bool atomic_wait_shared = false;
#else
inline constexpr bool atomic_wait_shared = true;
#endif
/// Interruptible acquire of a libstdc++ semaphore counter. Returns false on
/// timeout.
bool semaphore_acquire(std::atomic<int> &counter, deadline_ns deadline,
                       bool shared = atomic_wait_shared);
/// Interruptible wait on a libstdc++ std::latch counter.
void latch_wait(const std::atomic<int> &counter, void *pool,
                void (*enter)(void *), void (*leave)(void *),
                bool shared = atomic_wait_shared);
/// Interruptible wait on a libstdc++ waiter-pool proxy word (the futex that
/// notify_all bumps for types the kernel cannot wait on) until done(ctx).
void proxy_wait(const void *version, bool (*done)(const void *ctx),
                const void *ctx, void *pool, void (*enter)(void *),
                void (*leave)(void *), bool shared = atomic_wait_shared);
} // namespace detail

/// counting_semaphore::acquire() that throws an interrupt arriving while it
/// waits (the count is then unchanged).
template <std::ptrdiff_t N> void acquire(std::counting_semaphore<N> &s) {
  static_assert(sizeof(s) == sizeof(int), "libstdc++ semaphore layout");
  detail::semaphore_acquire(reinterpret_cast<std::atomic<int> &>(s),
                            detail::no_deadline);
}
template <std::ptrdiff_t N, class Rep, class Period>
bool try_acquire_for(std::counting_semaphore<N> &s,
                     const std::chrono::duration<Rep, Period> &d) {
  static_assert(sizeof(s) == sizeof(int), "libstdc++ semaphore layout");
  return detail::semaphore_acquire(reinterpret_cast<std::atomic<int> &>(s),
                                   detail::to_deadline(d));
}
template <std::ptrdiff_t N, class Clock, class Duration>
bool try_acquire_until(std::counting_semaphore<N> &s,
                       const std::chrono::time_point<Clock, Duration> &t) {
  static_assert(sizeof(s) == sizeof(int), "libstdc++ semaphore layout");
  return detail::semaphore_acquire(reinterpret_cast<std::atomic<int> &>(s),
                                   detail::to_deadline(t));
}

/// std::latch::wait() that throws an interrupt arriving while it waits.
inline void wait(std::latch &l) {
#if defined(__GLIBCXX__) && defined(_GLIBCXX_HAVE_PLATFORM_WAIT)
  static_assert(sizeof(l) == sizeof(int), "libstdc++ latch layout");
  if (l.try_wait())
    return;
  // libstdc++'s count_down() wakes the latch's futex only if the waiter pool
  // entry of its address counts waiters: count there and sleep on it.
  auto &pool = std::__detail::__waiter_pool_base::_S_for(&l);
  detail::latch_wait(
      reinterpret_cast<const std::atomic<int> &>(l), &pool,
      [](void *p) {
        static_cast<std::__detail::__waiter_pool_base *>(p)->_M_enter_wait();
      },
      [](void *p) {
        static_cast<std::__detail::__waiter_pool_base *>(p)->_M_leave_wait();
      });
#else
  l.wait();
#endif
}
/// l.count_down(n), then an interruptible wait (the arrival counts even if
/// the wait is interrupted).
inline void arrive_and_wait(std::latch &l, std::ptrdiff_t n = 1) {
  l.count_down(n);
  ::safepoint::wait(l);
}

#if defined(__GLIBCXX__) && defined(_GLIBCXX_HAVE_PLATFORM_WAIT)
namespace detail {
/// The layout of libstdc++'s __tree_barrier<CF> (std::barrier's only
/// member), to reach its phase byte; checked by the static_asserts below.
template <class CF> struct tree_barrier_layout {
  std::ptrdiff_t expected;
  std::unique_ptr<char[]> state;
  std::__atomic_base<std::ptrdiff_t> adjustment;
  CF completion;
  alignas(std::__atomic_ref<std::__barrier_phase_t>::required_alignment)
      std::__barrier_phase_t phase;
};
} // namespace detail
#endif

/// std::barrier::wait(token) that throws an interrupt arriving while it
/// waits. The arrival behind \p token still counts: the phase completes
/// without this thread, which must not wait for that phase again.
template <class CF>
void wait(std::barrier<CF> &b,
          typename std::barrier<CF>::arrival_token &&token) {
#if defined(__GLIBCXX__) && defined(_GLIBCXX_HAVE_PLATFORM_WAIT)
  using layout = detail::tree_barrier_layout<CF>;
  static_assert(sizeof(layout) == sizeof(b) && alignof(layout) == alignof(
                    std::barrier<CF>), "libstdc++ barrier layout");
  static_assert(sizeof(token) == sizeof(std::__barrier_phase_t),
                "libstdc++ barrier token layout");
  struct ctx_t {
    const std::__barrier_phase_t *phase;
    std::__barrier_phase_t old;
  } ctx{&reinterpret_cast<const layout &>(b).phase, {}};
  std::memcpy(&ctx.old, &token, sizeof ctx.old);
  auto &pool = std::__detail::__waiter_pool_base::_S_for(ctx.phase);
  detail::proxy_wait(
      &pool._M_ver,
      [](const void *p) {
        auto &c = *static_cast<const ctx_t *>(p);
        return __atomic_load_n(reinterpret_cast<const unsigned char *>(c.phase),
                               __ATOMIC_ACQUIRE) !=
               static_cast<unsigned char>(c.old);
      },
      &ctx, &pool,
      [](void *p) {
        static_cast<std::__detail::__waiter_pool_base *>(p)->_M_enter_wait();
      },
      [](void *p) {
        static_cast<std::__detail::__waiter_pool_base *>(p)->_M_leave_wait();
      });
#else
  b.wait(std::move(token));
#endif
}
/// b.arrive(), then an interruptible wait for the phase to complete (the
/// arrival counts even if the wait is interrupted).
template <class CF> void arrive_and_wait(std::barrier<CF> &b) {
  ::safepoint::wait(b, b.arrive());
}

//===----------------------------------------------------------------------===//
// File descriptors: sockets, pipes, terminals
//===----------------------------------------------------------------------===//
//
// Each call first waits for readiness with poll() on the descriptor and the
// thread's wake-up eventfd, then performs the operation without blocking.
// Exactly once: an interrupted read/recv/accept either consumed nothing and
// throws, or returns what it consumed (the interrupt stays queued for the
// next poll). write/send return the count written (a partial count when
// less fits without blocking) or throw having written nothing. connect()
// throws with the connection attempt still in progress: poll the socket for
// writability and read SO_ERROR, or close it. Errors other than EINTR and
// EAGAIN throw std::system_error. A timeout (where offered) returns
// std::nullopt/0 events.

/// Waits until \p fd has one of \p events (POLLIN, POLLOUT, ...) and returns
/// the revents; 0 on timeout. Throws an interrupt arriving meanwhile.
short wait_fd(int fd, short events, int timeout_ms = -1);
inline short wait_readable(int fd, int timeout_ms = -1) {
  return wait_fd(fd, POLLIN, timeout_ms);
}
inline short wait_writable(int fd, int timeout_ms = -1) {
  return wait_fd(fd, POLLOUT, timeout_ms);
}

/// Returns the byte count (0 at end of file).
std::size_t read(int fd, void *buf, std::size_t n);
std::size_t write(int fd, const void *buf, std::size_t n);
std::size_t recv(int fd, void *buf, std::size_t n, int flags = 0);
std::size_t send(int fd, const void *buf, std::size_t n, int flags = 0);
/// accept4(fd, addr, len, flags); returns the new descriptor.
int accept(int fd, sockaddr *addr = nullptr, socklen_t *len = nullptr,
           int flags = 0);
void connect(int fd, const sockaddr *addr, socklen_t len);
/// ::poll() that throws an interrupt arriving while nothing is ready;
/// returns the number of ready entries (0 on timeout).
int poll(pollfd *fds, nfds_t n, int timeout_ms = -1);

} // namespace safepoint

#endif // SAFEPOINT_WAIT_HPP
