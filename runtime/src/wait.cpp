//===- wait.cpp - Interruptible blocking waits ----------------------------===//
//
// Every wait here follows one protocol (see wait_internal.h):
//   register a waker; read the park word; check for a deliverable interrupt;
//   block in a way the waker (or the park word changing) ends; unregister.
// interrupt() sets the pending word, increments the park word, then calls
// the registered waker, all seq_cst, so an interrupt that lands anywhere
// around the start of the wait is either seen by the check or ends the
// block. Futex-based waits sleep with futex_waitv on {primitive word, park
// word}; condition variables are woken by their notify_all (a sender only
// try-locks the waiter's mutex and hands over to a service thread if that
// fails); descriptor waits poll() on {fd, per-thread eventfd} (io.cpp).
//
// Not instrumented by the plugin.
//
//===----------------------------------------------------------------------===//

#include "safepoint/wait.hpp"
#include "safepoint/abi.h"
#include "wait_internal.h"

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace safepoint::detail {

//===----------------------------------------------------------------------===//
// Futex primitives
//===----------------------------------------------------------------------===//

namespace {

constexpr auto seq_cst = std::memory_order_seq_cst;

int64_t monotonic_now() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

timespec to_timespec(int64_t ns) noexcept {
  return timespec{static_cast<time_t>(ns / 1'000'000'000),
                  static_cast<long>(ns % 1'000'000'000)};
}

int private_flag(bool shared) noexcept {
  return shared ? 0 : FUTEX_PRIVATE_FLAG;
}

/// Sleeps while *word == val, until the absolute CLOCK_MONOTONIC deadline.
/// Returns 0 or an errno value (ETIMEDOUT, EAGAIN, EINTR).
int futex_wait1(const void *word, uint32_t val, bool shared,
                deadline_ns deadline) noexcept {
  timespec ts = to_timespec(deadline);
  long rc = syscall(SYS_futex, word, FUTEX_WAIT_BITSET | private_flag(shared),
                    val, deadline == no_deadline ? nullptr : &ts, nullptr,
                    FUTEX_BITSET_MATCH_ANY);
  return rc == 0 ? 0 : errno;
}

} // namespace

void futex_wake(const void *word, int n, bool shared) noexcept {
  syscall(SYS_futex, word, FUTEX_WAKE | private_flag(shared), n, nullptr,
          nullptr, 0);
}

int64_t monotonic_ns() noexcept { return monotonic_now(); }

namespace {

#ifndef FUTEX_32
#define FUTEX_32 2
#endif

struct futex_waitv_entry { // struct futex_waitv (Linux 5.16)
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

std::atomic<bool> g_no_waitv{false};

/// Sleeps while *word == val and *park == seq. Returns 0 or an errno value.
int futex_wait2(const void *word, uint32_t val, bool shared,
                const std::atomic<uint32_t> *park, uint32_t seq,
                deadline_ns deadline) noexcept {
  if (!g_no_waitv.load(std::memory_order_relaxed)) {
    futex_waitv_entry w[2] = {{val, reinterpret_cast<uintptr_t>(word),
                               uint32_t(FUTEX_32 | private_flag(shared)), 0},
                              {seq, reinterpret_cast<uintptr_t>(park),
                               uint32_t(FUTEX_32 | FUTEX_PRIVATE_FLAG), 0}};
    timespec ts = to_timespec(deadline);
    long rc = syscall(SYS_futex_waitv, w, 2, 0,
                      deadline == no_deadline ? nullptr : &ts, CLOCK_MONOTONIC);
    if (rc >= 0)
      return 0;
    if (errno != ENOSYS)
      return errno;
    g_no_waitv.store(true, std::memory_order_relaxed);
  }
  // Kernels before 5.16: sleep on the primitive in slices of 1 ms and let
  // the caller re-check the park word (bounded extra wake latency).
  deadline_ns slice = monotonic_now() + 1'000'000;
  int rc = futex_wait1(word, val, shared, slice < deadline ? slice : deadline);
  return rc == ETIMEDOUT && slice < deadline ? 0 : rc;
}

} // namespace

void wake_park(waker_node *) noexcept {
  // Never called: interrupt() recognizes this waker and wakes the park word
  // itself (wait_internal.h).
}

bool scope_enter(waker_node *n) noexcept {
  if (!can_register_waker() || delivery_deferred_now())
    return false;
  register_waker(n);
  return true;
}

void scope_exit(waker_node *n) noexcept { unregister_waker(n); }

bool deliverable() noexcept { return interrupt_deliverable(); }

void take_interrupt() { deliver_at(__builtin_return_address(0)); }

wait_result futex_wait(const void *word, uint32_t expected, bool shared,
                       deadline_ns deadline) noexcept {
  std::atomic<uint32_t> *park = park_word();
  if (!can_register_waker() || delivery_deferred_now()) {
    // Nobody can interrupt this wait: the plain primitive.
    int rc;
    if (word) {
      rc = futex_wait1(word, expected, shared, deadline);
    } else {
      timespec ts = to_timespec(deadline);
      rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
      rc = rc == 0 ? ETIMEDOUT : rc;
    }
    return rc == ETIMEDOUT ? wait_result::timeout : wait_result::woken;
  }
  waker_node n;
  n.wake = wake_park;
  register_waker(&n);
  uint32_t seq = park->load(seq_cst);
  int rc = 0;
  if (!interrupt_deliverable())
    rc = word ? futex_wait2(word, expected, shared, park, seq, deadline)
              : futex_wait1(park, seq, false, deadline);
  unregister_waker(&n);
  // Handshakes run here; the caller re-checks its condition (a spurious
  // wake-up) and waits again.
  if (interrupt_deliverable() && run_actions())
    return wait_result::interrupted;
  return rc == ETIMEDOUT ? wait_result::timeout : wait_result::woken;
}

void sleep_until_ns(deadline_ns deadline) {
  for (;;) {
    if (futex_wait(nullptr, 0, false, deadline) == wait_result::interrupted)
      take_interrupt(); // returns if a handler resumed: sleep on
    if (monotonic_now() >= deadline)
      return;
  }
}

//===----------------------------------------------------------------------===//
// Condition variables
//===----------------------------------------------------------------------===//
//
// A sender must not block on the waiter's mutex, and notifying without
// holding it can be lost: the waiter may have checked for interrupts but not
// yet be registered inside the condition variable. The waiter holds its
// mutex through that window, so the sender's waker try-locks it: success
// means the waiter is inside the wait (notify_all reaches it) or already
// past it. Failure hands the wake to a service thread that retries the
// try-lock (backing off from 20 us to 1 ms while the mutex stays held by
// someone) until it succeeds or the waiter, having woken by other means,
// cancels. The waiter waits for its job only after cancelling it, so
// neither side can deadlock on the mutex.

namespace {

struct cv_node : waker_node {
  const cv_ops *ops = nullptr;
  std::atomic<uint32_t> job{0}; // 0 none, 1 queued at the service, 2 done
  std::atomic<uint32_t> cancel{0};
  cv_node *next = nullptr; // service queue link
};

std::atomic<cv_node *> g_jobs{nullptr};
std::atomic<uint32_t> g_service_seq{0};
std::once_flag g_service_started;

void service_kick() noexcept {
  g_service_seq.fetch_add(1, seq_cst);
  futex_wake(&g_service_seq, 1, false);
}

/// Owning the mutex for a moment proves the waiter is enqueued in the
/// condition variable (or past its wait): a notify from now on reaches it.
/// Notify after unlocking, so the woken waiter does not block on the mutex
/// we still hold.
bool try_notify(const cv_ops &ops) noexcept {
  if (!ops.try_lock(ops.mutex))
    return false;
  ops.unlock(ops.mutex);
  ops.notify_all(ops.cv);
  return true;
}

[[noreturn]] void service_main() noexcept {
  cv_node *local = nullptr; // jobs not done yet, owned by this thread
  int64_t backoff = 0;
  for (;;) {
    uint32_t seq = g_service_seq.load(seq_cst);
    for (cv_node *j = g_jobs.exchange(nullptr, std::memory_order_acquire); j;) {
      cv_node *next = j->next;
      j->next = local;
      local = j;
      j = next;
    }
    for (cv_node **pp = &local; cv_node *j = *pp;) {
      if (j->cancel.load(std::memory_order_acquire) || try_notify(*j->ops)) {
        *pp = j->next;
        j->job.store(2, std::memory_order_release); // j may be gone after
        futex_wake(&j->job, 1, false);              // (a stale wake is fine)
      } else {
        pp = &j->next;
      }
    }
    if (!local) {
      backoff = 0;
      futex_wait1(&g_service_seq, seq, false, no_deadline);
    } else {
      backoff = backoff ? std::min<int64_t>(backoff * 2, 1'000'000) : 20'000;
      futex_wait1(&g_service_seq, seq, false, monotonic_now() + backoff);
    }
  }
}

void cv_wake(waker_node *self) noexcept {
  auto *n = static_cast<cv_node *>(self);
  if (try_notify(*n->ops))
    return;
  n->job.store(1, std::memory_order_relaxed);
  n->next = g_jobs.load(std::memory_order_relaxed);
  while (!g_jobs.compare_exchange_weak(n->next, n, std::memory_order_release,
                                       std::memory_order_relaxed)) {
  }
  service_kick();
}

/// Unregisters \p n and makes sure the service is done with it. Returns
/// true iff a sender called the waker.
bool cv_finish(cv_node &n) noexcept {
  if (!unregister_waker(&n))
    return false;
  if (n.job.load(std::memory_order_acquire) == 1) {
    n.cancel.store(1, std::memory_order_release);
    service_kick();
    while (n.job.load(std::memory_order_acquire) != 2)
      futex_wait1(&n.job, 1, false, no_deadline);
  }
  return true;
}

} // namespace

wait_result cv_wait(const cv_ops &ops, bool (*block)(void *), void *ctx) {
  if (!can_register_waker() || delivery_deferred_now())
    return block(ctx) ? wait_result::timeout : wait_result::woken;
  std::call_once(g_service_started, [] { std::thread(service_main).detach(); });

  cv_node n;
  n.wake = cv_wake;
  n.ops = &ops;
  register_waker(&n);
  if (interrupt_deliverable()) {
    cv_finish(n);
    return run_actions() ? wait_result::interrupted : wait_result::woken;
  }
  bool timed_out;
  try {
    timed_out = block(ctx);
  } catch (...) {
    cv_finish(n);
    throw;
  }
  bool waker_called = cv_finish(n);
  if (interrupt_deliverable()) {
    // We may have consumed a notify_one meant for some waiter: pass it on
    // (a spurious wake-up for the others). Not needed if our waker ran: it
    // woke every waiter.
    if (!waker_called)
      ops.notify_all(ops.cv);
    return run_actions() ? wait_result::interrupted : wait_result::woken;
  }
  return timed_out ? wait_result::timeout : wait_result::woken;
}

//===----------------------------------------------------------------------===//
// Mutexes
//===----------------------------------------------------------------------===//

void mutex_wake(std::atomic<uint32_t> &state, bool all) noexcept {
  futex_wake(&state, all ? INT_MAX : 1, false);
}

bool mutex_lock_slow(std::atomic<uint32_t> &state, deadline_ns deadline) {
  for (;;) {
    if (state.exchange(2, std::memory_order_acquire) == 0)
      return true;
    wait_result r = futex_wait(&state, 2, false, deadline);
    if (r == wait_result::interrupted || r == wait_result::timeout) {
      // We may have consumed the wake of an unlock: pass it on, so that no
      // other waiter sleeps on a free mutex.
      mutex_wake(state);
      if (r == wait_result::timeout)
        return false;
      take_interrupt(); // returns if a handler resumed: wait on
    }
  }
}

bool shared_lock_slow(std::atomic<uint32_t> &state, bool exclusive,
                      deadline_ns deadline) {
  using sm = ::safepoint::shared_mutex;
  for (;;) {
    uint32_t s = state.load(std::memory_order_relaxed);
    bool free = exclusive
                    ? (s & ~sm::waiters) == 0
                    : !(s & sm::writer) && (s & sm::readers) != sm::readers;
    if (free) {
      if (state.compare_exchange_weak(s, exclusive ? s | sm::writer : s + 1,
                                      std::memory_order_acquire))
        return true;
      continue;
    }
    if (!(s & sm::waiters) &&
        !state.compare_exchange_weak(s, s | sm::waiters,
                                     std::memory_order_relaxed))
      continue;
    // Every release that finds waiters wakes all of them: nothing to pass on.
    wait_result r = futex_wait(&state, s | sm::waiters, false, deadline);
    if (r == wait_result::interrupted)
      take_interrupt(); // or wait on if a handler resumed
    if (r == wait_result::timeout)
      return false;
  }
}

//===----------------------------------------------------------------------===//
// Threads, futures, semaphores, latches
//===----------------------------------------------------------------------===//

namespace {
/// Offset of glibc's `tid` in struct pthread, which the kernel clears and
/// futex-wakes when the thread exits (what pthread_join waits for); from the
/// descriptor glibc exports for libthread_db. -1 if unavailable.
std::ptrdiff_t pthread_tid_offset() noexcept {
  static const std::ptrdiff_t offset = [] {
    auto *desc = static_cast<const uint32_t *>(
        dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid"));
    // { size in bits, count, offset }
    if (!desc || desc[0] != 32 || desc[1] != 1)
      return std::ptrdiff_t(-1);
    return std::ptrdiff_t(desc[2]);
  }();
  return offset;
}
/// Reads glibc's tid word (written by the kernel). Not instrumented:
/// ThreadSanitizer models struct pthread as the thread's TLS and reports
/// any access to it as a race with the thread's start.
__attribute__((no_sanitize("thread"))) int32_t
load_tid(const int32_t *tid) noexcept {
  // TSan instruments atomics even here: a volatile aligned load is atomic
  // on every target we support; the kernel's store is ordered by the futex.
  int32_t v = *static_cast<const volatile int32_t *>(tid);
  std::atomic_signal_fence(std::memory_order_acquire);
  return v;
}
} // namespace

void join(std::thread &t) {
  std::ptrdiff_t offset = pthread_tid_offset();
  if (offset >= 0 && t.joinable() && t.get_id() != std::this_thread::get_id() &&
      park_word()) {
    auto *tid = reinterpret_cast<const int32_t *>(
        reinterpret_cast<char *>(t.native_handle()) + offset);
    for (int32_t v; (v = load_tid(tid)) != 0;)
      if (futex_wait(tid, uint32_t(v), /*shared=*/true, no_deadline) ==
          wait_result::interrupted)
        take_interrupt();
  }
  t.join(); // the thread has exited: returns at once
}

void future_wait(std::atomic<unsigned> &status, const void *) {
  constexpr unsigned waiter_bit = 0x80000000u, ready = 1;
  for (;;) {
    unsigned v = status.load(std::memory_order_acquire);
    if ((v & ~waiter_bit) == ready)
      return;
    if (!(v & waiter_bit)) {
      // libstdc++ wakes (FUTEX_WAKE, shared) only if the bit is set.
      status.fetch_or(waiter_bit, std::memory_order_relaxed);
      v |= waiter_bit;
    }
    if (futex_wait(&status, v, /*shared=*/true, no_deadline) ==
        wait_result::interrupted)
      take_interrupt();
  }
}

bool semaphore_acquire(std::atomic<int> &counter, deadline_ns deadline,
                       bool shared) {
  for (;;) {
    int v = counter.load(std::memory_order_acquire);
    while (v > 0)
      if (counter.compare_exchange_weak(v, v - 1, std::memory_order_acquire,
                                        std::memory_order_relaxed))
        return true;
    // libstdc++'s release() wakes all futex waiters of the counter when it
    // leaves 0.
    wait_result r = futex_wait(&counter, 0, shared, deadline);
    if (r == wait_result::interrupted)
      take_interrupt();
    if (r == wait_result::timeout)
      return false;
  }
}

void latch_wait(const std::atomic<int> &counter, void *pool,
                void (*enter)(void *), void (*leave)(void *), bool shared) {
  enter(pool); // count_down() wakes only if the pool entry has waiters
  for (int v; (v = counter.load(std::memory_order_acquire)) != 0;)
    if (futex_wait(&counter, uint32_t(v), shared, no_deadline) ==
        wait_result::interrupted) {
      leave(pool);
      take_interrupt(); // returns if a handler resumed: wait on
      enter(pool);
    }
  leave(pool);
}

void proxy_wait(const void *version, bool (*done)(const void *),
                const void *ctx, void *pool, void (*enter)(void *),
                void (*leave)(void *), bool shared) {
  // notify_all stores the new value, then bumps *version and wakes if the
  // pool counts waiters: count ourselves first, then read the version, then
  // check. A notify we miss changes the version, so the sleep ends at once.
  auto &ver = *static_cast<const std::atomic<int> *>(version);
  enter(pool);
  for (;;) {
    int v = ver.load(std::memory_order_seq_cst);
    if (done(ctx))
      break;
    if (futex_wait(version, uint32_t(v), shared, no_deadline) ==
        wait_result::interrupted) {
      leave(pool);
      take_interrupt(); // returns if a handler resumed: wait on
      enter(pool);
    }
  }
  leave(pool);
}

} // namespace safepoint::detail
