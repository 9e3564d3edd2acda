// Existing code, no edits: blocking calls that ordinary code makes become
// interruptible when it is compiled with the plugin. Each case blocks a
// worker in one call (nothing would ever wake it otherwise), interrupts it
// and checks the exception arrived with its data and the resource is in its
// documented state.
// RUN: %sp_clangxx -O0 %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 %s -o %t.O2 %sp_link && %t.O2
// RUN: %sp_clangxx -O2 -Rpass=safepoint -c %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
//
// REMARK-DAG: call to 'nanosleep' made interruptible
// REMARK-DAG: call to 'read' made interruptible
// REMARK-DAG: call to 'std::condition_variable::wait(std::unique_lock<std::mutex>&)' made interruptible
// REMARK-DAG: call to 'std::thread::join()' made interruptible
// REMARK-DAG: call to 'pthread_cond_clockwait' made interruptible
// REMARK-DAG: call to 'std::__atomic_futex_unsigned_base::_M_futex_wait_until

#include "waits.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <cerrno>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

using namespace harness;
using namespace std::chrono_literals;

static bool caught;

template <class F> static void expect_interrupted(const char *what, F wait) {
  caught = false;
  interrupt_when_waiting([&] {
    try {
      wait();
    } catch (Timeout &t) {
      CHECK(t.what == "e2e" && t.seconds == 3);
      caught = true;
    }
  });
  if (!caught) {
    std::fprintf(stderr, "%s: the wait returned without the interrupt\n", what);
    std::_Exit(1);
  }
}

// A loop that retries on EINTR, as POSIX code does: the retry polls.
static void retry_nanosleep() {
  timespec ts{3600, 0};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

int main() {
  expect_interrupted("this_thread::sleep_for",
                     [] { std::this_thread::sleep_for(1h); });
  expect_interrupted("this_thread::sleep_until", [] {
    std::this_thread::sleep_until(std::chrono::system_clock::now() + 1h);
  });
  expect_interrupted("nanosleep", retry_nanosleep);
  expect_interrupted("usleep", [] {
    for (;;)
      usleep(100'000'000);
  });
  expect_interrupted("sleep", [] {
    for (;;)
      sleep(3600);
  });

  {
    std::mutex m;
    std::condition_variable cv;
    bool ready = false;
    expect_interrupted("condition_variable::wait(pred)", [&] {
      std::unique_lock lk(m);
      try {
        cv.wait(lk, [&] { return ready; });
      } catch (...) {
        CHECK(lk.owns_lock()); // the mutex is held again
        throw;
      }
    });
    expect_interrupted("condition_variable::wait_for(pred)", [&] {
      std::unique_lock lk(m);
      cv.wait_for(lk, 1h, [&] { return ready; });
    });
    expect_interrupted("condition_variable::wait_until(system_clock)", [&] {
      std::unique_lock lk(m);
      while (!ready)
        cv.wait_until(lk, std::chrono::system_clock::now() + 1h);
    });
    CHECK(m.try_lock()); // not left locked
    m.unlock();
  }
  {
    std::mutex m;
    std::condition_variable_any cv;
    bool ready = false;
    expect_interrupted("condition_variable_any::wait(pred)", [&] {
      std::unique_lock lk(m);
      cv.wait(lk, [&] { return ready; });
    });
  }
  {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    expect_interrupted("pthread_cond_wait", [&] {
      pthread_mutex_lock(&m);
      try {
        for (;;)
          pthread_cond_wait(&c, &m);
      } catch (...) {
        pthread_mutex_unlock(&m); // held again: unlocking must succeed
        throw;
      }
    });
    CHECK(pthread_mutex_trylock(&m) == 0);
    pthread_mutex_unlock(&m);
  }
  {
    sem_t s;
    sem_init(&s, 0, 0);
    expect_interrupted("sem_wait", [&] {
      while (sem_wait(&s) == -1 && errno == EINTR) {
      }
    });
    sem_post(&s); // the count is intact: one post, one successful trywait
    CHECK(sem_trywait(&s) == 0);
    CHECK(sem_trywait(&s) == -1);
    sem_destroy(&s);
  }
  {
    std::thread blocked;
    std::promise<void> release;
    std::shared_future<void> go = release.get_future().share();
    blocked = std::thread([go] { go.wait(); });
    expect_interrupted("std::thread::join", [&] { blocked.join(); });
    CHECK(blocked.joinable()); // still joinable after the interrupt
    release.set_value();
    blocked.join();
  }
  {
    std::promise<int> p;
    std::future<int> f = p.get_future();
    expect_interrupted("future::wait", [&] { f.wait(); });
    CHECK(f.valid());
    p.set_value(7);
    CHECK(f.get() == 7);
  }
  {
    std::promise<int> p;
    std::future<int> f = p.get_future();
    expect_interrupted("future::get", [&] { (void)f.get(); });
    // get() leaves valid() false also when it throws (the standard's rule):
    // wait() first, or safepoint::get(), to keep the result.
    CHECK(!f.valid());
  }
  {
    std::promise<int> p;
    std::shared_future<int> f = p.get_future().share();
    expect_interrupted("shared_future::wait", [&] { f.wait(); });
    p.set_value(1);
  }
  {
    int fds[2];
    CHECK(pipe(fds) == 0);
    char c;
    expect_interrupted("read", [&] {
      while (read(fds[0], &c, 1) == -1 && errno == EINTR) {
      }
    });
    expect_interrupted("poll", [&] {
      pollfd p{fds[0], POLLIN, 0};
      while (poll(&p, 1, -1) == -1 && errno == EINTR) {
      }
    });
    int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) == 0);
    expect_interrupted("epoll_wait", [&] {
      epoll_event out;
      while (epoll_wait(ep, &out, 1, -1) == -1 && errno == EINTR) {
      }
    });
    close(ep);
    // Nothing was consumed: the byte written now is read.
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(read(fds[0], &c, 1) == 1 && c == 'x');
    close(fds[0]);
    close(fds[1]);
  }
  {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char c;
    expect_interrupted("recv", [&] {
      while (recv(sv[0], &c, 1, 0) == -1 && errno == EINTR) {
      }
    });
    close(sv[0]);
    close(sv[1]);
    int l = listening_socket();
    expect_interrupted("accept", [&] {
      while (accept(l, nullptr, nullptr) == -1 && errno == EINTR) {
      }
    });
    close(l);
  }
  std::puts("ok");
  return 0;
}
