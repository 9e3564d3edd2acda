//===- io.cpp - Interruptible file-descriptor I/O -------------------------===//
//
// A descriptor wait polls {fd..., the thread's eventfd}; the waker writes the
// eventfd. Operations wait for readiness first and then run without
// blocking, which gives the exactly-once rule: an interrupted read/recv/
// accept either consumed nothing (and throws) or returns what it consumed
// (the interrupt stays queued for the next poll).
//
// Not instrumented by the plugin.
//
//===----------------------------------------------------------------------===//

#include "safepoint/wait.hpp"
#include "wait_internal.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace safepoint::detail {

namespace {

struct thread_eventfd {
  int fd = -1;
  ~thread_eventfd() {
    if (fd >= 0)
      ::close(fd);
  }
};
thread_local thread_eventfd t_wake_fd;

int wake_fd() noexcept {
  if (t_wake_fd.fd < 0)
    t_wake_fd.fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return t_wake_fd.fd;
}

struct fd_node : waker_node {
  int fd;
};

void wake_eventfd(waker_node *self) noexcept {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t r =
      ::write(static_cast<fd_node *>(self)->fd, &one, sizeof one);
}

int timeout_of(deadline_ns deadline, struct timespec &ts) noexcept {
  if (deadline == no_deadline)
    return 0;
  int64_t left = deadline - monotonic_ns();
  if (left < 0)
    left = 0;
  ts.tv_sec = left / 1'000'000'000;
  ts.tv_nsec = left % 1'000'000'000;
  return 1;
}

int raw_poll(pollfd *fds, nfds_t n, deadline_ns deadline) noexcept {
  struct timespec ts;
  return ::ppoll(fds, n, timeout_of(deadline, ts) ? &ts : nullptr, nullptr);
}

} // namespace

int poll_interruptible(pollfd *fds, unsigned long n, deadline_ns deadline,
                       bool &interrupted) noexcept {
  interrupted = false;
  int efd;
  if (!can_register_waker() || delivery_deferred_now() || (efd = wake_fd()) < 0)
    return raw_poll(fds, n, deadline);

  pollfd small[8];
  pollfd *all =
      n < 8 ? small
            : static_cast<pollfd *>(std::malloc((n + 1) * sizeof(pollfd)));
  if (!all)
    return raw_poll(fds, n, deadline);
  for (unsigned long i = 0; i < n; ++i)
    all[i] = pollfd{fds[i].fd, fds[i].events, 0};
  all[n] = pollfd{efd, POLLIN, 0};

  const int caller_errno = errno; // draining an empty eventfd sets EAGAIN
  uint64_t stale;
  [[maybe_unused]] ssize_t drained = ::read(efd, &stale, sizeof stale);
  fd_node node;
  node.wake = wake_eventfd;
  node.fd = efd;
  register_waker(&node);
  // Already interrupted: only look at what is ready now (events win).
  int rc = raw_poll(all, n + 1, interrupt_deliverable() ? 0 : deadline);
  int saved = errno;
  unregister_waker(&node);
  if (rc > 0) {
    for (unsigned long i = 0; i < n; ++i)
      fds[i].revents = all[i].revents;
    if (all[n].revents)
      --rc;
  }
  if (all != small)
    std::free(all);
  interrupted = interrupt_deliverable() && run_actions(); // handshakes run
  errno = rc < 0 ? saved : caller_errno; // as ppoll: only failures set it
  return rc;
}

} // namespace safepoint::detail

namespace safepoint {

using detail::deadline_ns;
using detail::no_deadline;

namespace {

[[noreturn]] void throw_errno(const char *what) {
  throw std::system_error(errno, std::generic_category(), what);
}

deadline_ns deadline_ms(int timeout_ms) {
  return timeout_ms < 0
             ? no_deadline
             : detail::monotonic_ns() + int64_t(timeout_ms) * 1'000'000;
}

/// Waits for \p events on \p fd; 0 on timeout; throws on interrupt/error.
short wait_events(int fd, short events, deadline_ns deadline,
                  const char *what) {
  for (;;) {
    pollfd p{fd, events, 0};
    bool interrupted;
    int rc = detail::poll_interruptible(&p, 1, deadline, interrupted);
    if (rc > 0)
      return p.revents;
    if (interrupted)
      detail::take_interrupt(); // or wait on if a handler resumed
    if (rc < 0 && errno != EINTR)
      throw_errno(what);
    if (rc == 0 && deadline != no_deadline &&
        detail::monotonic_ns() >= deadline)
      return 0;
  }
}

bool retry(ssize_t r) { return r < 0 && (errno == EAGAIN || errno == EINTR); }

} // namespace

short wait_fd(int fd, short events, int timeout_ms) {
  return wait_events(fd, events, deadline_ms(timeout_ms), "safepoint::wait_fd");
}

std::size_t read(int fd, void *buf, std::size_t n) {
  for (;;) {
    wait_events(fd, POLLIN, no_deadline, "safepoint::read");
    ssize_t r = ::read(fd, buf, n);
    if (r >= 0)
      return std::size_t(r);
    if (!retry(r))
      throw_errno("safepoint::read");
  }
}

std::size_t recv(int fd, void *buf, std::size_t n, int flags) {
  for (;;) {
    wait_events(fd, POLLIN, no_deadline, "safepoint::recv");
    ssize_t r = ::recv(fd, buf, n, flags | MSG_DONTWAIT);
    if (r >= 0)
      return std::size_t(r);
    if (!retry(r))
      throw_errno("safepoint::recv");
  }
}

std::size_t send(int fd, const void *buf, std::size_t n, int flags) {
  for (;;) {
    wait_events(fd, POLLOUT, no_deadline, "safepoint::send");
    ssize_t r = ::send(fd, buf, n, flags | MSG_DONTWAIT);
    if (r >= 0)
      return std::size_t(r);
    if (!retry(r))
      throw_errno("safepoint::send");
  }
}

std::size_t write(int fd, const void *buf, std::size_t n) {
  for (;;) {
    wait_events(fd, POLLOUT, no_deadline, "safepoint::write");
    ssize_t r = ::send(fd, buf, n, MSG_DONTWAIT);
    if (r < 0 && errno == ENOTSOCK) {
      // Pipes and terminals: after POLLOUT, PIPE_BUF bytes fit without
      // blocking; on a non-blocking descriptor, write what fits.
      int fl = ::fcntl(fd, F_GETFL);
      std::size_t chunk = fl >= 0 && (fl & O_NONBLOCK)
                              ? n
                              : (n < PIPE_BUF ? n : std::size_t(PIPE_BUF));
      r = ::write(fd, buf, chunk);
    }
    if (r >= 0)
      return std::size_t(r);
    if (!retry(r))
      throw_errno("safepoint::write");
  }
}

int accept(int fd, sockaddr *addr, socklen_t *len, int flags) {
  for (;;) {
    wait_events(fd, POLLIN, no_deadline, "safepoint::accept");
    int r = ::accept4(fd, addr, len, flags);
    if (r >= 0)
      return r;
    if (!retry(r) && errno != ECONNABORTED)
      throw_errno("safepoint::accept");
  }
}

void connect(int fd, const sockaddr *addr, socklen_t len) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0)
    throw_errno("safepoint::connect");
  if (!(fl & O_NONBLOCK))
    ::fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  int r = ::connect(fd, addr, len);
  int err = errno;
  if (!(fl & O_NONBLOCK))
    ::fcntl(fd, F_SETFL, fl);
  if (r == 0)
    return;
  if (err != EINPROGRESS && err != EINTR) {
    errno = err;
    throw_errno("safepoint::connect");
  }
  // In progress: an interrupt here leaves the attempt running (see header).
  wait_events(fd, POLLOUT, no_deadline, "safepoint::connect");
  socklen_t sl = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
    throw_errno("safepoint::connect");
  if (err != 0) {
    errno = err;
    throw_errno("safepoint::connect");
  }
}

int poll(pollfd *fds, nfds_t n, int timeout_ms) {
  deadline_ns deadline = deadline_ms(timeout_ms);
  for (;;) {
    bool interrupted;
    int rc = detail::poll_interruptible(fds, n, deadline, interrupted);
    if (rc > 0)
      return rc;
    if (interrupted)
      detail::take_interrupt(); // or wait on if a handler resumed
    if (rc < 0 && errno != EINTR)
      throw_errno("safepoint::poll");
    if (rc == 0 && deadline != no_deadline &&
        detail::monotonic_ns() >= deadline)
      return 0;
  }
}

} // namespace safepoint
