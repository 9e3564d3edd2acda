// Shared by the waits-*.cpp end-to-end tests: runs a body that blocks on a
// worker thread, interrupts it once it is inside an interruptible wait
// (its waker is registered: safepoint::is_waiting), and checks that the
// interrupt arrives within a minute.
#ifndef SAFEPOINT_TESTS_WAITS_H
#define SAFEPOINT_TESTS_WAITS_H

#include "harness.h"

#include <safepoint/wait.hpp>

#include <sys/socket.h>
#include <sys/un.h>

namespace harness {

/// A listening Unix stream socket on an abstract address the kernel picks.
inline int listening_socket() {
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX; // autobind to an abstract address
  CHECK(bind(l, reinterpret_cast<sockaddr *>(&addr), sizeof(sa_family_t)) == 0);
  CHECK(listen(l, 1) == 0);
  return l;
}

/// Runs body() on a new thread; once it is blocked in an interruptible wait,
/// interrupts it with Timeout{"e2e", 3}. body() must catch the interrupt.
template <class F> void interrupt_when_waiting(F body) {
  interrupt_once_ready(
      body, [](const safepoint::handle &h) { return safepoint::is_waiting(h); },
      "the worker never blocked interruptibly");
}

} // namespace harness

#endif
