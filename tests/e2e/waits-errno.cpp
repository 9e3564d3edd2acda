// Existing code, no edits: a wrapped blocking call that does not end early
// for an interrupt behaves exactly as the original, errno included. The
// originals change errno only when they fail, and programs rely on it (lzip's
// readblock() reports a read error when errno is set after a short read).
// Every call below runs on a thread that can be interrupted, so the wrapper's
// own wait runs (poll with the thread's eventfd, futex); errno is set to a
// sentinel first and must still hold it when the call succeeds or times out.
// The last cases receive a handshake while they wait: they run it and go on
// waiting, as the latency probe of bench/ makes them do in real programs.
// RUN: %sp_clangxx -O2 %s -o %t %sp_link && %t
// RUN: %sp_clangxx -O2 -Rpass=safepoint -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
//
// REMARK-DAG: call to 'sem_wait' made interruptible
// REMARK-DAG: call to 'read' made interruptible
// REMARK-DAG: call to 'recv' made interruptible
// REMARK-DAG: call to 'accept' made interruptible
// REMARK-DAG: call to 'poll' made interruptible
// REMARK-DAG: call to 'epoll_wait' made interruptible
// REMARK-DAG: call to 'nanosleep' made interruptible
// REMARK-DAG: call to 'pthread_cond_timedwait' made interruptible

#include "waits.h"

#include <safepoint/handshake.hpp>

#include <cerrno>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

constexpr int sentinel = 4242;

// Checks that a call returned \p expected and left errno alone.
#define EXPECT_KEPT(call, expected)                                            \
  do {                                                                         \
    errno = sentinel;                                                          \
    auto rc_ = (call);                                                         \
    const int errno_ = errno;                                                  \
    if (rc_ != (expected) || errno_ != sentinel) {                             \
      std::fprintf(stderr, "%s:%d: %s returned %lld, errno %d\n", __FILE__,    \
                   __LINE__, #call, static_cast<long long>(rc_), errno_);      \
      std::_Exit(1);                                                           \
    }                                                                          \
  } while (0)

static timespec after_ms(clockid_t clock, long ms) {
  timespec ts;
  clock_gettime(clock, &ts);
  ts.tv_nsec += ms * 1'000'000;
  ts.tv_sec += ts.tv_nsec / 1'000'000'000;
  ts.tv_nsec %= 1'000'000'000;
  return ts;
}

static void successful_waits() {
  sem_t s;
  sem_init(&s, 0, 1);
  EXPECT_KEPT(sem_wait(&s), 0); // a post was there: taken at once
  int value = -1;
  CHECK(sem_getvalue(&s, &value) == 0 && value == 0);
  sem_destroy(&s);

  int fds[2];
  CHECK(pipe(fds) == 0);
  char c = 0;
  CHECK(write(fds[1], "x", 1) == 1);
  pollfd p{fds[0], POLLIN, 0};
  EXPECT_KEPT(poll(&p, 1, -1), 1);
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) == 0);
  epoll_event out;
  EXPECT_KEPT(epoll_wait(ep, &out, 1, -1), 1);
  EXPECT_KEPT(read(fds[0], &c, 1), 1);
  CHECK(c == 'x');
  EXPECT_KEPT(poll(&p, 1, 1), 0);             // timed out
  EXPECT_KEPT(epoll_wait(ep, &out, 1, 1), 0); // timed out
  close(ep);
  close(fds[0]);
  close(fds[1]);

  int sv[2];
  CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  CHECK(send(sv[1], "y", 1, 0) == 1);
  EXPECT_KEPT(recv(sv[0], &c, 1, 0), 1);
  CHECK(c == 'y');
  close(sv[0]);
  close(sv[1]);

  int l = harness::listening_socket();
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  CHECK(getsockname(l, reinterpret_cast<sockaddr *>(&addr), &len) == 0);
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(connect(client, reinterpret_cast<sockaddr *>(&addr), len) == 0);
  errno = sentinel;
  int conn = accept(l, nullptr, nullptr);
  CHECK(conn >= 0 && errno == sentinel);
  close(conn);
  close(client);
  close(l);

  timespec ms{0, 1'000'000};
  EXPECT_KEPT(nanosleep(&ms, nullptr), 0);
  EXPECT_KEPT(clock_nanosleep(CLOCK_MONOTONIC, 0, &ms, nullptr), 0);
  EXPECT_KEPT(usleep(1000), 0);

  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  pthread_mutex_lock(&m);
  timespec soon = after_ms(CLOCK_REALTIME, 1);
  EXPECT_KEPT(pthread_cond_timedwait(&cv, &m, &soon), ETIMEDOUT);
  pthread_mutex_unlock(&m);
}

int main() {
  // On a thread that can be interrupted, nothing sent.
  safepoint::thread t(successful_waits);
  t.join();

  // A handshake arrives in the middle of a wait that then succeeds.
  int fds[2];
  CHECK(pipe(fds) == 0);
  sem_t s;
  sem_init(&s, 0, 0);
  std::atomic<int> stage{0};
  safepoint::thread waiter([&] {
    char c = 0;
    EXPECT_KEPT(read(fds[0], &c, 1), 1);
    CHECK(c == 'z');
    stage.store(1);
    EXPECT_KEPT(sem_wait(&s), 0);
  });
  for (int i = 0; i < 2; ++i) {
    // Waiting in read (i = 0), then in sem_wait (i = 1).
    while (stage.load() != i || !safepoint::is_waiting(waiter.handle()))
      std::this_thread::yield();
    bool ran = false;
    safepoint::run_on(waiter.handle(), [&] { ran = true; }).get();
    CHECK(ran);
    if (i == 0)
      CHECK(write(fds[1], "z", 1) == 1);
    else
      CHECK(sem_post(&s) == 0);
  }
  waiter.join();
  close(fds[0]);
  close(fds[1]);
  sem_destroy(&s);
  std::puts("ok");
  return 0;
}
