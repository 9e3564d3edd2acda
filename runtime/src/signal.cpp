//===- signal.cpp - Signals as interrupts ---------------------------------===//
//
// The handler does only async-signal-safe work: it reads the clock, checks
// for escalation and writes one byte (the signal number) to a pipe. A
// watcher thread, started with the first signal_interrupts and kept for the
// life of the process, reads the pipe and interrupts the target.
//
// Not instrumented by the plugin.
//
//===----------------------------------------------------------------------===//

#include "safepoint/signal.hpp"

#include <atomic>
#include <cerrno>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace safepoint {

namespace {

std::mutex g_mutex;       // guards g_target and g_active
handle g_target;          // where signals go
bool g_active = false;    // a signal_interrupts is alive
int g_pipe[2] = {-1, -1}; // handler -> watcher
std::atomic<int64_t> g_window_ns{0};
std::atomic<int64_t> g_last_ns[NSIG];

int64_t monotonic_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void on_signal(int signo) {
  int saved = errno;
  int64_t now = monotonic_ns();
  int64_t last = g_last_ns[signo].exchange(now, std::memory_order_relaxed);
  int64_t window = g_window_ns.load(std::memory_order_relaxed);
  if (window > 0 && last != 0 && now - last < window) {
    // Second signal in a row: the default action, as without Safepoint.
    // The signal is blocked while this handler runs, so raise() leaves it
    // pending until the handler returns.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signo, &dfl, nullptr);
    raise(signo);
  } else {
    unsigned char b = static_cast<unsigned char>(signo);
    [[maybe_unused]] ssize_t n = ::write(g_pipe[1], &b, 1);
  }
  errno = saved;
}

void watcher() {
  for (;;) {
    unsigned char b;
    ssize_t n = ::read(g_pipe[0], &b, 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n != 1)
      return;
    handle target;
    {
      std::lock_guard lock(g_mutex);
      if (!g_active)
        continue;
      target = g_target;
    }
    try {
      ::safepoint::interrupt(target, signal_received{int(b)});
    } catch (...) { // bad_alloc: this signal is lost, the next one escalates
    }
  }
}

} // namespace

const char *signal_received::what() const noexcept {
  switch (signo) {
  case SIGINT:
    return "SIGINT";
  case SIGTERM:
    return "SIGTERM";
  case SIGHUP:
    return "SIGHUP";
  case SIGQUIT:
    return "SIGQUIT";
  case SIGUSR1:
    return "SIGUSR1";
  case SIGUSR2:
    return "SIGUSR2";
  default:
    return "signal";
  }
}

signal_interrupts::signal_interrupts(std::initializer_list<int> signals,
                                     handle target,
                                     std::chrono::milliseconds escalate_within)
    : signals_(signals) {
  if (!target)
    throw std::invalid_argument("safepoint::signal_interrupts: empty handle");
  for (int s : signals_)
    if (s <= 0 || s >= NSIG || s == SIGKILL || s == SIGSTOP)
      throw std::invalid_argument("safepoint::signal_interrupts: bad signal");
  std::lock_guard lock(g_mutex);
  if (g_active)
    throw std::logic_error(
        "safepoint::signal_interrupts: another instance is alive");
  if (g_pipe[0] < 0) {
    if (::pipe2(g_pipe, O_CLOEXEC) != 0)
      throw std::system_error(errno, std::generic_category(),
                              "safepoint::signal_interrupts: pipe");
    // Never block the handler: a full pipe drops the byte (the signals
    // already queued will interrupt the target).
    ::fcntl(g_pipe[1], F_SETFL, O_NONBLOCK);
    std::thread(watcher).detach();
  }
  g_target = std::move(target);
  g_window_ns.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(escalate_within)
          .count(),
      std::memory_order_relaxed);
  previous_.resize(signals_.size());
  for (std::size_t i = 0; i < signals_.size(); ++i) {
    g_last_ns[signals_[i]].store(0, std::memory_order_relaxed);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(signals_[i], &sa, &previous_[i]) != 0) {
      int err = errno;
      while (i-- > 0)
        sigaction(signals_[i], &previous_[i], nullptr);
      g_target = handle();
      throw std::system_error(err, std::generic_category(),
                              "safepoint::signal_interrupts: sigaction");
    }
  }
  g_active = true;
}

signal_interrupts::~signal_interrupts() {
  for (std::size_t i = 0; i < signals_.size(); ++i)
    sigaction(signals_[i], &previous_[i], nullptr);
  std::lock_guard lock(g_mutex);
  g_active = false;
  g_target = handle();
}

} // namespace safepoint
