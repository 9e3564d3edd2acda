//===- wrappers.cpp - Interruptible stand-ins for existing blocking calls -===//
//
// The plugin's pass redirects direct calls to the functions listed with
// SAFEPOINT_ABI_WRAP in abi.def to these wrappers. Each behaves exactly like
// the original unless the calling thread can be interrupted now (it has a
// handle, delivery is not deferred). Then an interrupt ends the wait early
// *within the original contract* -- EINTR, the unslept time, a spurious
// wake-up -- and stays queued: the caller's next poll (its EINTR retry loop,
// its predicate loop; both instrumented) throws it. Most originals are
// noexcept in C++ (glibc's functions are declared __THROW), so these never
// throw; only std::thread::join, which may throw, throws the interrupt.
//
// errno: the originals change it only when they fail, and programs rely on
// that (lzip's readblock() reports a read error when errno is set after a
// short read). The wrappers' own calls (poll, the eventfd, futex) may each
// leave one, so the waits they share (sleep_interruptibly, wait_ready,
// cond_wait, cxx_futex_wait) and the wrappers with a wait of their own keep
// the caller's errno (caller_errno) and put it back before the original
// runs and before a return without failure.
//
// Once per interrupt: after a wrapper returned early for an interrupt that
// is still queued, further wrapped waits block as the original would until
// that interrupt is delivered. Code that retries without polling (a noexcept
// function's loop, a pass-plugin-only build whose loops have no polls) thus
// waits as before instead of spinning; the interrupt arrives at its next
// poll.
//
// Not instrumented by the plugin.
//
//===----------------------------------------------------------------------===//

#include "safepoint/wait.hpp"
#include "wait_internal.h"

#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace safepoint::detail;

namespace {

constexpr uint64_t no_early = UINT64_MAX;
thread_local uint64_t t_early_for = no_early; // interrupts_delivered() then

/// True iff this wait may end early for an interrupt.
bool may_interrupt() noexcept {
  return park_word() && !delivery_deferred_now() &&
         t_early_for != interrupts_delivered();
}

/// Records an early return for the queued interrupt.
void returned_early() noexcept { t_early_for = interrupts_delivered(); }

/// The caller's errno, taken when a wrapper starts (see the top of the file).
class caller_errno {
public:
  caller_errno() noexcept : saved_(errno) {}
  /// Puts the caller's errno back, before the original runs.
  void restore() const noexcept { errno = saved_; }
  /// Puts the caller's errno back and returns \p rc: the wrapper's own
  /// success, or a result the original reports by value (pthread's codes).
  template <class T> T keep(T rc) const noexcept {
    restore();
    return rc;
  }
  /// Sets errno to \p e for the caller and returns -1.
  static int fail(int e) noexcept {
    errno = e;
    return -1;
  }

private:
  int saved_;
};

int64_t timespec_ns(const timespec &ts) noexcept {
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t clock_ns(clockid_t c) noexcept {
  timespec ts;
  clock_gettime(c, &ts);
  return timespec_ns(ts);
}

/// Sleeps until the CLOCK_MONOTONIC deadline. Returns false if interrupted
/// (and records the early return). Keeps errno.
bool sleep_interruptibly(deadline_ns deadline) noexcept {
  caller_errno err;
  for (;;) {
    if (futex_wait(nullptr, 0, false, deadline) == wait_result::interrupted) {
      returned_early();
      return err.keep(false);
    }
    if (monotonic_ns() >= deadline)
      return err.keep(true);
  }
}

bool valid(const timespec *ts) noexcept {
  return ts && ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
         ts->tv_nsec < 1'000'000'000;
}

/// Deadline \p ns from now, saturating.
deadline_ns after(int64_t ns) noexcept {
  int64_t now = monotonic_ns();
  return ns > no_deadline - now ? no_deadline : now + ns;
}

/// Waits until \p fd has \p events or an interrupt: true if ready (or poll
/// failed: let the original report it), false if interrupted. Keeps errno.
bool wait_ready(int fd, short events) noexcept {
  caller_errno err;
  for (;;) {
    pollfd p{fd, events, 0};
    bool interrupted;
    int rc = poll_interruptible(&p, 1, no_deadline, interrupted);
    if (rc > 0)
      return err.keep(true);
    if (interrupted) {
      returned_early();
      return err.keep(false);
    }
    if (rc < 0 && errno != EINTR)
      return err.keep(true);
  }
}

bool blocking_fd(int fd) noexcept {
  int fl = ::fcntl(fd, F_GETFL);
  return fl >= 0 && !(fl & O_NONBLOCK);
}

// pthread condition variables: see cv_wait in wait.cpp.
struct pthread_cv_wait {
  pthread_cond_t *cv;
  pthread_mutex_t *m;
  const timespec *abstime; // null: untimed
  clockid_t clock;
  bool clockwait;
  int rc = 0;
};

int cond_wait(pthread_cv_wait &w) noexcept {
  caller_errno err; // pthread reports by value, never in errno
  cv_ops ops{};
  ops.mutex = w.m;
  ops.try_lock = [](void *m) noexcept {
    return ::pthread_mutex_trylock(static_cast<pthread_mutex_t *>(m)) == 0;
  };
  ops.unlock = [](void *m) noexcept {
    ::pthread_mutex_unlock(static_cast<pthread_mutex_t *>(m));
  };
  ops.cv = w.cv;
  ops.notify_all = [](void *c) noexcept {
    ::pthread_cond_broadcast(static_cast<pthread_cond_t *>(c));
  };
  auto block = [](void *p) -> bool {
    auto &w = *static_cast<pthread_cv_wait *>(p);
    if (!w.abstime)
      w.rc = ::pthread_cond_wait(w.cv, w.m);
    else if (w.clockwait)
      w.rc = ::pthread_cond_clockwait(w.cv, w.m, w.clock, w.abstime);
    else
      w.rc = ::pthread_cond_timedwait(w.cv, w.m, w.abstime);
    return w.rc == ETIMEDOUT;
  };
  wait_result r;
  try {
    r = cv_wait(ops, block, &w); // throws only if the service cannot start
  } catch (...) {
    block(&w);
    return err.keep(w.rc);
  }
  if (r == wait_result::interrupted) {
    returned_early();
    return err.keep(0); // a spurious wake-up, mutex held
  }
  return err.keep(w.rc);
}

/// libstdc++'s futex wait (std::future, std::atomic wait) until the
/// CLOCK_MONOTONIC \p deadline: false only when it timed out; an interrupt
/// is a spurious wake-up, after which the caller re-checks (and polls).
bool cxx_futex_wait(unsigned *addr, unsigned val,
                    deadline_ns deadline) noexcept {
  caller_errno err;
  switch (futex_wait(addr, val, /*shared=*/true, deadline)) {
  case wait_result::interrupted:
    returned_early();
    return err.keep(true);
  case wait_result::timeout:
    return err.keep(false);
  case wait_result::woken:
    break;
  }
  return err.keep(true);
}

// glibc's sem_t (64-bit atomics): value in the low word, waiter count in the
// high word; sem_post wakes one waiter of the value word if the count is
// non-zero. `priv` is 0 for a process-private semaphore.
struct glibc_sem {
  std::atomic<uint64_t> data;
  int priv;
  int pad;
};
static_assert(sizeof(glibc_sem) <= sizeof(sem_t));
constexpr uint64_t sem_waiter = uint64_t{1} << 32;

} // namespace

extern "C" {

int __safepoint_wrap_nanosleep(const timespec *req, timespec *rem) {
  if (!may_interrupt() || !valid(req))
    return ::nanosleep(req, rem);
  deadline_ns deadline = after(timespec_ns(*req));
  if (sleep_interruptibly(deadline))
    return 0;
  if (rem) {
    int64_t left = deadline - monotonic_ns();
    left = left < 0 ? 0 : left;
    *rem = timespec{time_t(left / 1'000'000'000), long(left % 1'000'000'000)};
  }
  return caller_errno::fail(EINTR);
}

int __safepoint_wrap_clock_nanosleep(clockid_t clock, int flags,
                                     const timespec *req, timespec *rem) {
  if (!may_interrupt() || !valid(req) ||
      (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME))
    return ::clock_nanosleep(clock, flags, req, rem);
  int64_t ns = timespec_ns(*req); // reported by value, never in errno
  if (flags & TIMER_ABSTIME)
    ns -= clock_ns(clock);
  deadline_ns deadline = after(ns < 0 ? 0 : ns);
  if (sleep_interruptibly(deadline))
    return 0;
  if (rem && !(flags & TIMER_ABSTIME)) {
    int64_t left = deadline - monotonic_ns();
    left = left < 0 ? 0 : left;
    *rem = timespec{time_t(left / 1'000'000'000), long(left % 1'000'000'000)};
  }
  return EINTR;
}

unsigned __safepoint_wrap_sleep(unsigned seconds) {
  if (!may_interrupt())
    return ::sleep(seconds);
  deadline_ns deadline = after(int64_t(seconds) * 1'000'000'000);
  if (sleep_interruptibly(deadline))
    return 0;
  int64_t left = deadline - monotonic_ns();
  return left <= 0 ? 0 : unsigned((left + 999'999'999) / 1'000'000'000);
}

int __safepoint_wrap_usleep(useconds_t usec) {
  if (!may_interrupt())
    return ::usleep(usec);
  if (sleep_interruptibly(after(int64_t(usec) * 1000)))
    return 0;
  return caller_errno::fail(EINTR);
}

ssize_t __safepoint_wrap_read(int fd, void *buf, size_t n) {
  if (n == 0 || !may_interrupt() || !blocking_fd(fd))
    return ::read(fd, buf, n);
  if (!wait_ready(fd, POLLIN))
    return caller_errno::fail(EINTR);
  return ::read(fd, buf, n);
}

ssize_t __safepoint_wrap_recv(int fd, void *buf, size_t n, int flags) {
  if ((flags & MSG_DONTWAIT) || !may_interrupt() || !blocking_fd(fd))
    return ::recv(fd, buf, n, flags);
  if (!wait_ready(fd, POLLIN))
    return caller_errno::fail(EINTR);
  return ::recv(fd, buf, n, flags);
}

int __safepoint_wrap_accept4(int fd, sockaddr *addr, socklen_t *len,
                             int flags) {
  if (!may_interrupt() || !blocking_fd(fd))
    return ::accept4(fd, addr, len, flags);
  if (!wait_ready(fd, POLLIN))
    return caller_errno::fail(EINTR);
  return ::accept4(fd, addr, len, flags);
}

int __safepoint_wrap_accept(int fd, sockaddr *addr, socklen_t *len) {
  if (!may_interrupt() || !blocking_fd(fd))
    return ::accept(fd, addr, len);
  if (!wait_ready(fd, POLLIN))
    return caller_errno::fail(EINTR);
  return ::accept(fd, addr, len);
}

int __safepoint_wrap_poll(pollfd *fds, nfds_t n, int timeout) {
  if (timeout == 0 || !may_interrupt())
    return ::poll(fds, n, timeout);
  caller_errno err;
  deadline_ns deadline =
      timeout < 0 ? no_deadline : after(int64_t(timeout) * 1'000'000);
  for (;;) {
    bool interrupted;
    int rc = poll_interruptible(fds, n, deadline, interrupted);
    if (rc > 0)
      return err.keep(rc);
    if (interrupted) {
      returned_early();
      return caller_errno::fail(EINTR);
    }
    if (rc < 0)
      return rc;
    if (deadline != no_deadline && monotonic_ns() >= deadline)
      return err.keep(0);
  }
}

int __safepoint_wrap_epoll_wait(int epfd, epoll_event *events, int max,
                                int timeout) {
  if (timeout == 0 || !may_interrupt())
    return ::epoll_wait(epfd, events, max, timeout);
  caller_errno err;
  deadline_ns deadline =
      timeout < 0 ? no_deadline : after(int64_t(timeout) * 1'000'000);
  for (;;) {
    pollfd p{epfd, POLLIN, 0};
    bool interrupted;
    int rc = poll_interruptible(&p, 1, deadline, interrupted);
    if (rc > 0) {
      // Ready: collect without blocking (events win over the interrupt).
      err.restore();
      int k = ::epoll_wait(epfd, events, max, 0);
      if (k != 0)
        return k;
    } else if (interrupted) {
      returned_early();
      return caller_errno::fail(EINTR);
    } else if (rc < 0) {
      return ::epoll_wait(epfd, events, max, 0) == 0 && errno == EINTR ? -1
                                                                       : rc;
    }
    if (deadline != no_deadline && monotonic_ns() >= deadline)
      return err.keep(0);
  }
}

int __safepoint_wrap_pthread_cond_wait(pthread_cond_t *cv, pthread_mutex_t *m) {
  if (!may_interrupt())
    return ::pthread_cond_wait(cv, m);
  pthread_cv_wait w{cv, m, nullptr, CLOCK_REALTIME, false};
  return cond_wait(w);
}

int __safepoint_wrap_pthread_cond_timedwait(pthread_cond_t *cv,
                                            pthread_mutex_t *m,
                                            const timespec *abstime) {
  if (!may_interrupt() || !abstime)
    return ::pthread_cond_timedwait(cv, m, abstime);
  pthread_cv_wait w{cv, m, abstime, CLOCK_REALTIME, false};
  return cond_wait(w);
}

int __safepoint_wrap_pthread_cond_clockwait(pthread_cond_t *cv,
                                            pthread_mutex_t *m, clockid_t clock,
                                            const timespec *abstime) {
  if (!may_interrupt() || !abstime)
    return ::pthread_cond_clockwait(cv, m, clock, abstime);
  pthread_cv_wait w{cv, m, abstime, clock, true};
  return cond_wait(w);
}

int __safepoint_wrap_sem_wait(sem_t *sem) {
  if (!may_interrupt())
    return ::sem_wait(sem);
  caller_errno err;
  if (::sem_trywait(sem) == 0)
    return 0; // a post was there
  if (errno != EAGAIN)
    return -1; // EINVAL, as sem_wait reports it
  err.restore();
  auto &s = *reinterpret_cast<glibc_sem *>(sem);
  bool shared = s.priv != 0;
  s.data.fetch_add(sem_waiter, std::memory_order_relaxed); // as sem_wait does
  for (;;) {
    uint64_t d = s.data.load(std::memory_order_relaxed);
    if (uint32_t(d) > 0) {
      if (s.data.compare_exchange_weak(d, d - 1 - sem_waiter,
                                       std::memory_order_acquire,
                                       std::memory_order_relaxed))
        return err.keep(0);
      continue;
    }
    if (futex_wait(&s.data, 0, shared, no_deadline) ==
        wait_result::interrupted) {
      uint64_t left =
          s.data.fetch_sub(sem_waiter, std::memory_order_relaxed) - sem_waiter;
      if (uint32_t(left) > 0 && (left >> 32) > 0)
        futex_wake(&s.data, 1, shared); // pass on a post we may have consumed
      returned_early();
      return caller_errno::fail(EINTR);
    }
  }
}

void __safepoint_wrap_cxx_cv_wait(std::condition_variable *cv,
                                  std::unique_lock<std::mutex> *lk) {
  if (!may_interrupt())
    return cv->wait(*lk);
  pthread_cv_wait w{cv->native_handle(), lk->mutex()->native_handle(), nullptr,
                    CLOCK_REALTIME, false};
  if (int rc = cond_wait(w); rc != 0)
    std::terminate(); // as std::condition_variable::wait does
}

void __safepoint_wrap_cxx_thread_join(std::thread *t) {
  caller_errno err;
  safepoint::detail::join(*t); // throws only where a poll would
  err.restore();
}

bool __safepoint_wrap_cxx_futex_wait_until(
    std::__atomic_futex_unsigned_base *self, unsigned *addr, unsigned val,
    bool has_timeout, std::chrono::seconds s, std::chrono::nanoseconds ns) {
  if (!may_interrupt())
    return self->_M_futex_wait_until(addr, val, has_timeout, s, ns);
  deadline_ns deadline = no_deadline;
  if (has_timeout) {
    if (s.count() < 0)
      return false;
    int64_t left =
        s.count() * 1'000'000'000 + ns.count() - clock_ns(CLOCK_REALTIME);
    if (left <= 0)
      return false;
    deadline = after(left);
  }
  return cxx_futex_wait(addr, val, deadline);
}

bool __safepoint_wrap_cxx_futex_wait_until_steady(
    std::__atomic_futex_unsigned_base *self, unsigned *addr, unsigned val,
    bool has_timeout, std::chrono::seconds s, std::chrono::nanoseconds ns) {
  if (!may_interrupt())
    return self->_M_futex_wait_until_steady(addr, val, has_timeout, s, ns);
  deadline_ns deadline = no_deadline;
  if (has_timeout) {
    if (s.count() < 0)
      return false;
    deadline = s.count() * 1'000'000'000 + ns.count();
    if (deadline <= monotonic_ns())
      return false;
  }
  return cxx_futex_wait(addr, val, deadline);
}

} // extern "C"

namespace {
// Every SAFEPOINT_ABI_WRAP entry must be defined above: taking the addresses
// makes a missing wrapper a compile error here.
#define SAFEPOINT_ABI_WRAP(Id, Original, Wrapper)                              \
  reinterpret_cast<void (*)()>(&::Wrapper),
[[gnu::used]] void (*const abi_wrappers[])() = {
#include "safepoint/abi.def"
};
} // namespace
