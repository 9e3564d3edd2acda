//===- safepoint/safepoint.hpp - Asynchronous exceptions between threads --===//
//
// Safepoint lets one thread deliver any exception object to another thread.
// The target throws it at its next *safepoint*: a poll that the Safepoint
// compiler plugin inserts at function entries and loop back-edges, or an
// explicit call to safepoint::poll().
//
// \code
//   struct Timeout { std::string what; int seconds; };
//
//   safepoint::thread worker([] { run_query(); });      // polls inside
//   if (!worker.wait_for(std::chrono::seconds(3)))
//     worker.interrupt(Timeout{"db query", 3});         // never blocks
//   try { worker.join(); } catch (Timeout &t) { ... }   // type and data intact
// \endcode
//
// Delivery is deferred (the interrupt stays queued, it is never lost) while
//  - an explicit safepoint::no_interrupts region is active,
//  - a compiler-inserted mask is active (destructors, noexcept functions,
//    [[no_interrupts]] functions),
//  - the thread is unwinding the stack (std::uncaught_exceptions() > 0),
//  - a catch handler is active anywhere on the thread's stack.
// Queued interrupts are delivered one per poll, oldest first. Interrupts still
// queued when their target thread exits are destroyed with it.
//
// All functions are thread-safe. Sending never blocks: it never waits for the
// target, takes no lock and is safe concurrently with the target starting,
// masking, polling and exiting.
//
//===----------------------------------------------------------------------===//
#ifndef SAFEPOINT_SAFEPOINT_HPP
#define SAFEPOINT_SAFEPOINT_HPP

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

/// SAFEPOINT_NO_INTERRUPTS marks a function whose whole extent must not be
/// interrupted (the compiler places no poll in it and masks interrupts while
/// it runs). It expands to the plugin's attribute when the Safepoint plugin is
/// loaded and to nothing otherwise, so annotated code still builds with GCC or
/// a plain Clang. Put it before a declaration, or after a lambda's parameters:
/// \code
///   SAFEPOINT_NO_INTERRUPTS void commit(Journal &j);
///   auto flush = []() SAFEPOINT_NO_INTERRUPTS { ... };
/// \endcode
#if defined(__has_attribute)
#if __has_attribute(no_interrupts)
#define SAFEPOINT_NO_INTERRUPTS __attribute__((no_interrupts))
#endif
#endif
#ifndef SAFEPOINT_NO_INTERRUPTS
#define SAFEPOINT_NO_INTERRUPTS
#endif

namespace safepoint {

/// Request to end a thread quietly; what terminate() delivers.
///
/// Deliberately not derived from std::exception, so that
/// `catch (std::exception &)` does not swallow it. safepoint::thread catches
/// it at the top of the thread; a thread started otherwise (std::thread,
/// a pool worker) must catch it itself if it may be terminated.
struct thread_exit {};

/// Thrown by thread<R>::join() (and join_for()) for a non-void R when the
/// thread was ended by terminate() and so produced no result.
class thread_terminated : public std::runtime_error {
public:
  thread_terminated();
  ~thread_terminated() override;
};

class handle;

namespace detail {
struct thread_record;
struct handle_access;
} // namespace detail

/// A reference to a thread that can receive interrupts.
///
/// Cheap to copy (one shared pointer); a default-constructed handle is empty.
/// A handle stays valid after its thread exited: alive() then returns false
/// and interrupt() returns false.
class handle {
public:
  /// An empty handle, referring to no thread.
  handle() noexcept = default;

  /// True unless empty.
  explicit operator bool() const noexcept { return record_ != nullptr; }

  /// True while the thread accepts interrupts: from registration (for a
  /// safepoint::thread: from its construction, before the OS thread runs)
  /// until the thread exits. False for an empty handle.
  [[nodiscard]] bool alive() const noexcept;

  /// The id of the thread; std::thread::id() for an empty handle.
  [[nodiscard]] std::thread::id id() const noexcept;

  /// Handles are equal iff they refer to the same thread (or both are empty).
  friend bool operator==(const handle &, const handle &) noexcept = default;

private:
  friend struct detail::handle_access;
  friend struct std::hash<handle>;
  explicit handle(std::shared_ptr<detail::thread_record> record) noexcept
      : record_(std::move(record)) {}

  std::shared_ptr<detail::thread_record> record_;
};

namespace this_thread {
/// The handle of the calling thread.
///
/// Registers the calling thread on first use, whoever created it (main
/// thread, std::thread, pthreads, pool workers); registration ends when the
/// thread exits. Called during thread exit, after the runtime has
/// unregistered the thread, it returns a handle that is not alive().
/// \throws std::bad_alloc on first use if the record cannot be allocated.
::safepoint::handle handle();
} // namespace this_thread

namespace detail {
/// Anything thrown by value, other than an exception_ptr or nullptr.
template <class E>
concept exception_value =
    !std::same_as<std::remove_cvref_t<E>, std::exception_ptr> &&
    !std::same_as<std::remove_cvref_t<E>, std::nullptr_t>;
} // namespace detail

/// Queues \p e for delivery to \p target at its next safepoint.
///
/// Never blocks. Self-interrupts are allowed (delivered at the next poll).
/// \returns true iff the interrupt was queued for a live thread; false if the
///          thread has exited (the exception is then simply destroyed).
/// \throws std::invalid_argument if \p target is empty or \p e is null.
/// \throws std::bad_alloc if the queue node cannot be allocated.
bool interrupt(const handle &target, std::exception_ptr e);

/// Queues a copy of \p e (as by std::make_exception_ptr) for delivery to
/// \p target; the target's `catch (E &)` sees the same type and data.
/// Same contract as the std::exception_ptr overload.
template <detail::exception_value E>
bool interrupt(const handle &target, E &&e) {
  // A statement of its own: make_exception_ptr's by-value parameter (a copy
  // of the payload) dies here, so the sender keeps no copy once the
  // exception is queued and the target alone destroys it.
  std::exception_ptr p = std::make_exception_ptr(std::forward<E>(e));
  return ::safepoint::interrupt(target, std::move(p));
}

//===----------------------------------------------------------------------===//
// Tracked interrupts: delivery acknowledgement and introspection
//===----------------------------------------------------------------------===//

/// Where a tracked interrupt (see delivery) is in its life. scheduled and
/// queued are the only non-final states.
enum class delivery_status {
  scheduled, ///< an alarm (interrupt_after) that has not fired yet
  queued,    ///< queued on the target; not thrown yet (explain() says why)
  delivered, ///< thrown in the target (possibly transformed by a handler)
  handled,   ///< an on_interrupt handler ran at the poll and resumed
  cancelled, ///< withdrawn by cancel() (or by its deadline scope ending)
  dropped    ///< never delivered: the target exited (or had exited)
};

/// Why a thread has not yet taken the interrupts queued for it.
enum class pending_reason {
  nothing_pending, ///< no interrupt is queued
  exited,          ///< the thread has exited (or the handle is empty)
  masked,          ///< in a compiler mask: destructor, noexcept or
                   ///< [[no_interrupts]] function
  no_interrupts,   ///< inside a safepoint::no_interrupts region
  unwinding,       ///< unwinding for another exception
  catch_handler,   ///< a catch handler is active on its stack
  waking,          ///< in an interruptible wait that is being woken
  blocked,         ///< blocked in a system call Safepoint does not cover
                   ///< (uninstrumented code, or a wait it cannot redirect)
  running          ///< running without reaching a poll: uninstrumented code
                   ///< or (briefly) instrumented code between two polls
};

/// A snapshot of a thread's state, for diagnosing a pending interrupt.
/// Fields other than alive and queued are best-effort: the thread keeps
/// running while they are read.
struct thread_report {
  bool alive = false;
  std::size_t queued = 0; ///< interrupts and handshakes queued
  pending_reason reason = pending_reason::exited;
  unsigned mask_depth = 0;          ///< compiler mask nesting
  unsigned no_interrupts_depth = 0; ///< no_interrupts nesting
  char os_state = '?'; ///< from /proc: 'R' running, 'S'/'D' sleeping, ...
  long syscall = -1;   ///< system call it is blocked in, or -1
  /// One line for logs, e.g. "1 queued; blocked in system call read (0),
  /// which Safepoint does not cover".
  [[nodiscard]] std::string describe() const;
};

/// Explains why \p target has not yet taken its queued interrupts.
/// Never blocks; safe concurrently with the target running and exiting.
[[nodiscard]] thread_report explain(const handle &target);

namespace detail {
struct request_state;

/// Absolute CLOCK_MONOTONIC (steady_clock) deadline in ns; no_deadline waits forever.
using deadline_ns = int64_t;
inline constexpr deadline_ns no_deadline = INT64_MAX;

template <class Clock, class Duration>
deadline_ns to_deadline(const std::chrono::time_point<Clock, Duration> &t) {
  using namespace std::chrono;
  if constexpr (std::is_same_v<Clock, steady_clock>) {
    return duration_cast<nanoseconds>(t.time_since_epoch()).count();
  } else {
    auto left = duration_cast<nanoseconds>(t - Clock::now());
    return duration_cast<nanoseconds>(
               steady_clock::now().time_since_epoch() + left)
        .count();
  }
}
template <class Rep, class Period>
deadline_ns to_deadline(const std::chrono::duration<Rep, Period> &d) {
  using namespace std::chrono;
  if (d >= duration<Rep, Period>::max() / 2)
    return no_deadline;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch() +
                                    duration_cast<nanoseconds>(d))
      .count();
}

} // namespace detail

/// Tag for the tracked interrupt() overloads.
struct track_t {
  explicit track_t() = default;
};
inline constexpr track_t track{};

/// A receipt for a tracked interrupt (interrupt(target, e, track),
/// interrupt_after): tells when and where it was delivered, can wait for
/// that, explain a delay and withdraw the interrupt. Cheap to copy; all
/// copies refer to the same interrupt. Thread-safe.
class delivery {
public:
  /// An empty receipt; status() is dropped.
  delivery() noexcept = default;
  explicit operator bool() const noexcept { return state_ != nullptr; }

  [[nodiscard]] delivery_status status() const noexcept;
  /// True iff the status is final (neither scheduled nor queued).
  [[nodiscard]] bool done() const noexcept;

  /// Waits until the status is final and returns it. Interruptible: an
  /// interrupt of the calling thread arriving meanwhile is thrown.
  delivery_status wait() const;
  /// Waits up to \p timeout; returns the status then (possibly queued).
  template <class Rep, class Period>
  delivery_status
  wait_for(const std::chrono::duration<Rep, Period> &timeout) const {
    return wait_ns(detail::to_deadline(timeout));
  }

  /// Withdraws the interrupt if it has not been taken yet (an alarm is
  /// cancelled; a queued interrupt is skipped by the target's next poll).
  /// \returns true iff the status is now cancelled by this call: the
  ///          exception will never be thrown.
  bool cancel() noexcept;

  /// The target's state while the interrupt is pending (explain(target())).
  [[nodiscard]] thread_report explain() const;
  /// The target thread; empty for an empty receipt.
  [[nodiscard]] handle target() const;
  /// Where it was delivered: the poll site as "function+0xoff (module+0xoff)"
  /// when delivery-site recording is on (debug::record_delivery_sites or
  /// SAFEPOINT_DEBUG=sites), else empty.
  [[nodiscard]] std::string site() const;

private:
  friend struct detail::handle_access;
  explicit delivery(std::shared_ptr<detail::request_state> s) noexcept
      : state_(std::move(s)) {}
  delivery_status wait_ns(int64_t deadline_ns) const;
  std::shared_ptr<detail::request_state> state_;
};

/// interrupt(target, e), tracked: returns a receipt instead of a bool (whose
/// status() is dropped if the target had exited).
delivery interrupt(const handle &target, std::exception_ptr e, track_t);
template <detail::exception_value E>
delivery interrupt(const handle &target, E &&e, track_t t) {
  std::exception_ptr p = std::make_exception_ptr(std::forward<E>(e));
  return ::safepoint::interrupt(target, std::move(p), t);
}

namespace debug {
/// Records the poll site of every delivery (return address, resolved with
/// dladdr; costs a symbol lookup per delivery, nothing per poll), for
/// delivery::site() and this_thread::last_delivery_site(). Also switched on
/// by the environment variable SAFEPOINT_DEBUG=sites, which prints one line
/// per delivery to stderr.
void record_delivery_sites(bool on) noexcept;
} // namespace debug

namespace this_thread {
/// Where the calling thread took its last interrupt (see
/// debug::record_delivery_sites); empty if not recorded.
std::string last_delivery_site();
} // namespace this_thread

//===----------------------------------------------------------------------===//
// std::stop_token bridge
//===----------------------------------------------------------------------===//

namespace detail {
struct stop_interrupt_fn {
  handle target;
  std::exception_ptr e;
  void operator()() noexcept {
    try {
      ::safepoint::interrupt(target, e);
    } catch (...) { // bad_alloc: nothing to report to from a stop callback
    }
  }
};
} // namespace detail

/// RAII: while alive, a stop request on \p token interrupts \p target
/// (default: the calling thread) with \p e. Cooperative code that checks
/// the token and preemptive interruption then mix: a std::jthread's body
/// writes `safepoint::interrupt_on_stop guard(st, Cancelled{});` and its
/// polls and interruptible waits throw Cancelled when jthread's destructor
/// or request_stop() asks it to stop. If stop was already requested, the
/// interrupt is queued at once.
class interrupt_on_stop {
public:
  template <detail::exception_value E>
  interrupt_on_stop(std::stop_token token, E &&e,
                    handle target = this_thread::handle())
      : callback_(std::move(token),
                  detail::stop_interrupt_fn{
                      std::move(target),
                      std::make_exception_ptr(std::forward<E>(e))}) {}
  interrupt_on_stop(const interrupt_on_stop &) = delete;
  interrupt_on_stop &operator=(const interrupt_on_stop &) = delete;

private:
  std::stop_callback<detail::stop_interrupt_fn> callback_;
};

/// Asks \p target to end: interrupt(target, thread_exit{}).
/// \returns true iff queued for a live thread.
/// \throws std::invalid_argument if \p target is empty.
bool terminate(const handle &target);

/// An explicit safepoint, equivalent to a compiler-inserted poll: unless
/// delivery is deferred, throws the oldest interrupt queued for the calling
/// thread. Returns normally if none is queued or delivery is deferred.
void poll();

/// True iff an interrupt is queued for the calling thread (delivered or
/// not yet, depending on interrupts_deferred()).
[[nodiscard]] bool interrupt_pending() noexcept;

/// True iff a poll on the calling thread would defer delivery now: inside a
/// no_interrupts region or a compiler mask, while unwinding, or while a
/// catch handler is active.
[[nodiscard]] bool interrupts_deferred() noexcept;

/// RAII: defers delivery of interrupts for its lifetime. Nestable.
///
/// Interrupts sent meanwhile stay queued; after the outermost region ends
/// they are delivered one per poll, oldest first, each at a poll following
/// the region (never from this destructor).
class no_interrupts {
public:
  no_interrupts() noexcept;
  ~no_interrupts();
  no_interrupts(const no_interrupts &) = delete;
  no_interrupts &operator=(const no_interrupts &) = delete;
};

/// RAII: re-enables delivery inside enclosing no_interrupts regions for its
/// lifetime (saves their depth, sets it to 0, restores it at the end).
///
/// It lifts only no_interrupts. Compiler masks, unwinding and active catch
/// handlers still defer delivery: throwing there would call std::terminate
/// or break cleanup.
class interrupts_enabled {
public:
  interrupts_enabled() noexcept;
  ~interrupts_enabled();
  interrupts_enabled(const interrupts_enabled &) = delete;
  interrupts_enabled &operator=(const interrupts_enabled &) = delete;

private:
  unsigned saved_;
};

namespace detail {

/// State shared by a safepoint::thread and its OS thread. The runtime runs
/// run() with registration, catching and completion around it (outside
/// instrumented code, so that no poll can throw past the catch).
class thread_state_base {
public:
  thread_state_base(); // creates the thread's record (alive, not yet bound)
  virtual ~thread_state_base();
  thread_state_base(const thread_state_base &) = delete;
  thread_state_base &operator=(const thread_state_base &) = delete;

  /// Invokes the callable; called once, on the new thread.
  virtual void run() = 0;

  ::safepoint::handle target;
  std::mutex mutex;
  std::condition_variable cv;
  bool finished = false; // guarded by mutex; set after the thread retired
  // Written by the thread before `finished`, read after it or after join.
  bool terminated = false;
  std::exception_ptr error;
};

/// std::thread::join() that throws an interrupt arriving while it waits
/// (the thread then stays joinable); see safepoint/wait.hpp.
void join(std::thread &t);

/// Starts the OS thread running \p state. If that fails, marks the record
/// dead and rethrows (std::system_error).
std::thread start_thread(const std::shared_ptr<thread_state_base> &state);

template <class R> struct result_storage { using type = R; };
template <class R> struct result_storage<R &> {
  using type = std::reference_wrapper<R>;
};

template <class R> class thread_state : public thread_state_base {
public:
  std::optional<typename result_storage<R>::type> result;
};
template <> class thread_state<void> : public thread_state_base {};

template <class R, class Fn, class... Args>
class thread_task final : public thread_state<R> {
public:
  template <class F, class... A>
  explicit thread_task(F &&f, A &&...a)
      : call_(std::in_place, std::forward<F>(f), std::forward<A>(a)...) {}

  void run() override {
    // Move the callable to this frame so it is destroyed on the thread.
    std::tuple<Fn, Args...> call = std::move(*call_);
    call_.reset();
    auto invoke = [](auto &&...xs) -> decltype(auto) {
      return std::invoke(std::forward<decltype(xs)>(xs)...);
    };
    if constexpr (std::is_void_v<R>)
      std::apply(invoke, std::move(call));
    else
      this->result.emplace(static_cast<R>(std::apply(invoke, std::move(call))));
  }

private:
  std::optional<std::tuple<Fn, Args...>> call_;
};

} // namespace detail

/// A thread whose callable returns R, joinable with its result, and that can
/// be interrupted and terminated. Move-only.
///
/// The body runs wrapped: thread_exit ends it quietly, any other exception
/// ends it and is rethrown by join(). The thread is registered before the OS
/// thread starts, so an interrupt sent right after construction is delivered
/// at the body's first safepoint.
template <class R> class thread {
  static_assert(!std::is_rvalue_reference_v<R>,
                "safepoint::thread cannot return an rvalue reference");

public:
  using result_type = R;
  /// What join_for() returns: bool for void R, else std::optional of R
  /// (std::optional<std::reference_wrapper<T>> for R = T&).
  using join_for_result = std::conditional_t<
      std::is_void_v<R>, bool,
      std::optional<typename detail::result_storage<
          std::conditional_t<std::is_void_v<R>, int, R>>::type>>;

  /// Not a thread; not joinable.
  thread() noexcept = default;

  /// Starts a thread running std::invoke(decay-copy(f), decay-copy(a)...).
  /// \throws std::system_error if the thread cannot be started.
  // clang-format off (clang-format 14 mangles requires-clauses)
  template <class F, class... A>
    requires(!std::same_as<std::remove_cvref_t<F>, thread> &&
             std::is_invocable_r_v<R, std::decay_t<F>, std::decay_t<A>...>)
  explicit thread(F &&f, A &&...a)
      // clang-format on
      : state_(std::make_shared<
               detail::thread_task<R, std::decay_t<F>, std::decay_t<A>...>>(
            std::forward<F>(f), std::forward<A>(a)...)),
        handle_(state_->target) {
    thread_ = detail::start_thread(state_); // last: nothing may throw after
  }

  thread(thread &&) noexcept = default;

  /// If this object is joinable, terminates and joins it first (discarding
  /// its result), like std::jthread.
  thread &operator=(thread &&other) noexcept {
    if (this != &other) {
      stop_and_join();
      state_ = std::move(other.state_);
      handle_ = std::move(other.handle_);
      thread_ = std::move(other.thread_);
    }
    return *this;
  }

  /// If joinable: terminate(), then join, discarding the result or the
  /// exception. Blocks until the body reaches a safepoint outside masks (or
  /// returns). Called on the thread itself, it terminates and detaches.
  ~thread() { stop_and_join(); }

  /// The thread's handle. Remains valid (not alive()) after join(); empty
  /// for a default-constructed or moved-from object.
  [[nodiscard]] ::safepoint::handle handle() const { return handle_; }

  /// safepoint::interrupt(handle(), e).
  /// \throws std::invalid_argument if there is no thread (empty handle).
  template <detail::exception_value E> bool interrupt(E &&e) {
    return ::safepoint::interrupt(handle_, std::forward<E>(e));
  }
  /// safepoint::interrupt(handle(), e).
  /// \throws std::invalid_argument if there is no thread or \p e is null.
  bool interrupt(std::exception_ptr e) {
    return ::safepoint::interrupt(handle_, std::move(e));
  }
  /// safepoint::terminate(handle()).
  /// \throws std::invalid_argument if there is no thread.
  bool terminate() { return ::safepoint::terminate(handle_); }

  /// Waits for the thread and returns its result. An interrupt arriving
  /// while it waits is thrown; the thread then stays joinable.
  /// \returns the callable's result (nothing for void R).
  /// \throws whatever exception ended the thread.
  /// \throws thread_terminated if the thread was ended by terminate() and R
  ///         is not void (for void R, join() then returns normally).
  /// \throws std::system_error (std::errc::invalid_argument) if !joinable().
  /// \throws std::system_error (std::errc::resource_deadlock_would_occur) if
  ///         called from the thread itself.
  R join() {
    check_joinable();
    check_not_self();
    detail::join(thread_); // interruptible; still joinable if it throws
    std::shared_ptr<detail::thread_state<R>> state = std::move(state_);
    if (state->error)
      std::rethrow_exception(state->error);
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      if (state->terminated || !state->result)
        throw thread_terminated();
      if constexpr (std::is_lvalue_reference_v<R>)
        return state->result->get();
      else
        return std::move(*state->result);
    }
  }

  /// Waits up to \p timeout for the thread to finish.
  /// \returns true iff it finished (then join() does not block on the body).
  ///          Does not consume the result: join() is still required.
  /// \throws std::system_error (std::errc::invalid_argument) if !joinable().
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period> &timeout) const {
    check_joinable();
    std::unique_lock<std::mutex> lock(state_->mutex);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->finished; });
  }

  /// Waits until \p deadline for the thread to finish; as wait_for().
  template <class Clock, class Duration>
  bool
  wait_until(const std::chrono::time_point<Clock, Duration> &deadline) const {
    check_joinable();
    std::unique_lock<std::mutex> lock(state_->mutex);
    return state_->cv.wait_until(lock, deadline,
                                 [&] { return state_->finished; });
  }

  /// Joins if the thread finishes within \p timeout.
  /// \returns for void R: true if joined, false on timeout; otherwise the
  ///          result, or std::nullopt on timeout (the thread stays joinable).
  /// \throws as join() when the thread finished.
  template <class Rep, class Period>
  join_for_result join_for(const std::chrono::duration<Rep, Period> &timeout) {
    check_joinable();
    check_not_self();
    if (!wait_for(timeout))
      return join_for_result{};
    if constexpr (std::is_void_v<R>) {
      join();
      return true;
    } else {
      return join_for_result(join());
    }
  }

  /// True iff this object owns a thread that has not been joined.
  [[nodiscard]] bool joinable() const noexcept { return thread_.joinable(); }

  /// The id of the owned thread; std::thread::id() if not joinable.
  [[nodiscard]] std::thread::id get_id() const noexcept {
    return thread_.get_id();
  }

private:
  void check_joinable() const {
    if (!thread_.joinable())
      throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                              "safepoint::thread: not joinable");
  }
  void check_not_self() const {
    if (thread_.get_id() == std::this_thread::get_id())
      throw std::system_error(
          std::make_error_code(std::errc::resource_deadlock_would_occur),
          "safepoint::thread: join from the thread itself");
  }
  void stop_and_join() noexcept {
    if (!thread_.joinable())
      return;
    try {
      ::safepoint::terminate(handle_);
    } catch (...) { // std::bad_alloc: the body may still end on its own
    }
    if (thread_.get_id() == std::this_thread::get_id())
      thread_.detach(); // thread_exit arrives at the body's next safepoint
    else
      thread_.join();
    state_.reset();
  }

  std::shared_ptr<detail::thread_state<R>> state_;
  ::safepoint::handle handle_;
  std::thread thread_;
};

/// `safepoint::thread t(f, args...)` deduces R from the callable.
template <class F, class... A>
thread(F &&, A &&...)
    -> thread<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>>;

} // namespace safepoint

/// Hashes a handle by the thread it refers to.
template <> struct std::hash<safepoint::handle> {
  std::size_t operator()(const safepoint::handle &h) const noexcept {
    return std::hash<const void *>()(h.record_.get());
  }
};

#endif // SAFEPOINT_SAFEPOINT_HPP
