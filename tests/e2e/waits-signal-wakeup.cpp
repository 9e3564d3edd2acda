// Code NOT compiled with the plugin, blocked in a system call, is knocked out
// by the opt-in signal wake-up: interrupt() also sends SIGURG, whose handler
// (installed without SA_RESTART) makes read() fail with EINTR; the interrupt
// is then thrown at the next poll in instrumented code.
// RUN: %clangxx -O2 -DPLAIN_PART -c %s -o %t.plain.o
// RUN: %sp_clangxx -O2 %s %t.plain.o -o %t %sp_link && %t

#ifdef PLAIN_PART
#include <cerrno>
#include <unistd.h>

// Uninstrumented: a blocking read that reports EINTR instead of retrying.
extern "C" long plain_blocking_read(int fd, char *c) {
  return read(fd, c, 1) == -1 ? -errno : 1;
}
#else
#include "harness.h"

#include <safepoint/wait.hpp>

#include <cerrno>
#include <csignal>
#include <fstream>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" long plain_blocking_read(int fd, char *c);

using namespace harness;

static int worker_tid;

/// True once thread \p tid is blocked in read(2) (per /proc).
static bool in_read(int tid) {
  std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/syscall");
  std::string nr;
  return f >> nr && nr == std::to_string(SYS_read);
}

int main() {
  safepoint::enable_signal_wakeup(); // SIGURG
  int fds[2];
  CHECK(pipe(fds) == 0);
  long result = 0;
  bool caught = false;
  safepoint::thread t([&] {
    __atomic_store_n(&worker_tid, int(syscall(SYS_gettid)), __ATOMIC_RELEASE);
    char c;
    try {
      result = plain_blocking_read(fds[0], &c);
      safepoint::poll();
    } catch (Timeout &e) {
      caught = e.seconds == 3;
    }
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (__atomic_load_n(&worker_tid, __ATOMIC_ACQUIRE) == 0 ||
         !in_read(worker_tid)) {
    CHECK(std::chrono::steady_clock::now() < deadline);
    std::this_thread::yield();
  }
  CHECK(t.interrupt(Timeout{"e2e", 3}));
  CHECK(t.wait_for(std::chrono::minutes(1)));
  t.join();
  CHECK(result == -EINTR); // the uninstrumented read failed with EINTR
  CHECK(caught);           // and the interrupt arrived at the next poll
  std::puts("ok");
  return 0;
}
#endif
