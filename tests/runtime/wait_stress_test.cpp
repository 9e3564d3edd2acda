// Stress test of the interruptible waits: for each wait kind, waiters block
// over and over while a sender interrupts them at random moments and event
// threads notify, release, write or time out concurrently. Checks
// conservation: every interrupt sent is caught exactly once, and no token
// (notification with its data, semaphore count, byte, lock increment) is
// lost or duplicated. A lost wake-up shows up as a hang (ctest timeout).
// Run also under ThreadSanitizer.

#include <safepoint/wait.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#ifndef SAFEPOINT_WAIT_STRESS_ROUNDS
#define SAFEPOINT_WAIT_STRESS_ROUNDS 2000
#endif

using namespace std::chrono_literals;

namespace {

constexpr int rounds = SAFEPOINT_WAIT_STRESS_ROUNDS;
struct Stop {};

int failures = 0;
#define EXPECT(cond)                                                           \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s: %s:%d: %s\n", current, __FILE__, __LINE__,     \
                   #cond);                                                     \
      ++failures;                                                              \
    }                                                                          \
  } while (0)
const char *current = "";

void jitter(std::minstd_rand &rng) {
  unsigned r = rng() % 64;
  if (r < 40)
    for (unsigned i = 0; i < r * 8; ++i)
      std::atomic_signal_fence(std::memory_order_seq_cst);
  else if (r < 60)
    std::this_thread::yield();
  else
    std::this_thread::sleep_for(std::chrono::microseconds(r - 55));
}

/// Runs op() in a loop on a waiter thread while the calling thread sends
/// `rounds` interrupts and event() runs on its own thread until the waiter
/// is done. Returns the interrupts caught (checked equal to those sent).
template <class Op, class Event>
void race(const char *name, Op op, Event event) {
  current = name;
  std::atomic<bool> stop{false}, left{false}, sending_done{false};
  std::atomic<long> caught{0};
  safepoint::thread waiter([&] {
    while (!stop.load()) {
      try {
        op();
      } catch (Stop &) {
        ++caught;
      }
    }
    left = true;
    while (!sending_done.load()) // no poll here: nothing is delivered
      std::this_thread::yield();
    for (;;) { // drain what was still queued
      try {
        safepoint::poll();
        break;
      } catch (Stop &) {
        ++caught;
      }
    }
  });
  std::atomic<bool> events_done{false};
  std::thread events([&] {
    std::minstd_rand rng(7);
    while (!events_done.load()) {
      event();
      jitter(rng);
    }
  });
  std::minstd_rand rng(1);
  long sent = 0;
  for (int i = 0; i < rounds; ++i) {
    if (waiter.interrupt(Stop{}))
      ++sent;
    jitter(rng);
  }
  stop = true;
  // op() may block until it is interrupted (the future kind waits on a
  // promise nobody sets): if the last interrupt was caught before the waiter
  // saw `stop`, interrupt it again until it has left its loop, each time
  // waiting until the interrupt is caught (a lost wake-up hangs here).
  while (!left.load()) {
    if (waiter.interrupt(Stop{}))
      ++sent;
    while (caught.load() != sent && !left.load())
      std::this_thread::yield();
  }
  sending_done = true;
  waiter.join();
  events_done = true;
  events.join();
  EXPECT(caught.load() == sent);
  std::printf("%-28s %ld interrupts sent and caught\n", name, sent);
}

/// A consumer waits (with a timeout) for a producer's notify while being
/// interrupted: every item produced is consumed at most once.
template <class CV, class M> void cv_race(const char *name) {
  CV cv;
  M m;
  long produced = 0, consumed = 0;
  race(
      name,
      [&] {
        std::unique_lock lk(m);
        if (safepoint::wait_for(cv, lk, 200us,
                                [&] { return produced > consumed; }))
          ++consumed;
      },
      [&] {
        {
          std::lock_guard g(m);
          ++produced;
        }
        cv.notify_one();
      });
  EXPECT(consumed <= produced);
}

} // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  race(
      "sleep_for", [] { safepoint::sleep_for(20us); }, [] {});

  cv_race<std::condition_variable, std::mutex>("condition_variable");
  cv_race<std::condition_variable_any, safepoint::mutex>(
      "condition_variable_any");
  {
    safepoint::mutex m;
    long counter = 0, by_waiter = 0, by_event = 0;
    race(
        "mutex",
        [&] {
          std::lock_guard g(m);
          ++counter;
          ++by_waiter;
        },
        [&] {
          std::lock_guard g(m); // the event thread is never interrupted
          ++counter;
          ++by_event;
          std::this_thread::yield();
        });
    EXPECT(counter == by_waiter + by_event);
  }
  {
    std::counting_semaphore<1 << 20> s(0);
    std::atomic<long> released{0}, acquired{0};
    race(
        "counting_semaphore",
        [&] {
          if (safepoint::try_acquire_for(s, 200us))
            ++acquired;
        },
        [&] {
          ++released;
          s.release();
        });
    long left = 0;
    while (s.try_acquire())
      ++left;
    EXPECT(acquired + left == released);
  }
  {
    int fds[2];
    if (pipe(fds) != 0)
      return 2;
    fcntl(fds[1], F_SETFL, O_NONBLOCK); // a full pipe must not block events
    std::atomic<long> written{0}, got{0};
    race(
        "pipe read",
        [&] {
          char buf[16];
          pollfd p{fds[0], POLLIN, 0};
          if (safepoint::poll(&p, 1, 1) > 0)
            got += long(safepoint::read(fds[0], buf, sizeof buf));
        },
        [&] {
          if (::write(fds[1], "0123456789", 10) == 10)
            written += 10;
        });
    char buf[4096];
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
      got += n;
    EXPECT(got == written);
    close(fds[0]);
    close(fds[1]);
  }
  {
    std::mutex m;
    std::promise<int> p;
    std::future<int> f = p.get_future();
    long results = 0, set = 0;
    race(
        "future",
        [&] {
          std::future<int> mine;
          {
            std::lock_guard g(m);
            mine = std::move(f);
          }
          if (!mine.valid())
            return;
          try {
            results += safepoint::get(mine) == 1;
          } catch (...) {
            std::lock_guard g(m);
            f = std::move(mine); // interrupted: still valid, put it back
            throw;
          }
        },
        [&] {
          std::lock_guard g(m);
          if (!f.valid()) {
            std::promise<int> q;
            f = q.get_future();
            q.set_value(1);
            ++set;
          }
        });
    EXPECT(results <= set + 1);
  }
  {
    std::mutex m;
    std::vector<std::thread> exited;
    race(
        "std::thread join",
        [&] {
          std::thread t([] {});
          try {
            safepoint::join(t);
          } catch (...) {
            std::lock_guard g(m);
            exited.push_back(std::move(t)); // still joinable
            throw;
          }
        },
        [] {});
    for (auto &t : exited) {
      EXPECT(t.joinable());
      t.join();
    }
  }
  if (failures)
    std::fprintf(stderr, "%d failures\n", failures);
  return failures ? 1 : 0;
}
