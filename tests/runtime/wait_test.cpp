// Unit tests of the explicit interruptible waits (safepoint/wait.hpp): for
// every wait kind, a thread blocked in it is interrupted, the exception
// arrives, and the resource is in the documented state afterwards. "Blocked"
// is established by safepoint::is_waiting (the wait registered its waker),
// never by sleeping.

#include <safepoint/wait.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <condition_variable>
#include <future>
#include <latch>
#include <mutex>
#include <numeric>
#include <semaphore>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <cerrno>
#include <ctime>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

struct Stop {
  int id;
};

void wait_until_waiting(const safepoint::handle &h) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!safepoint::is_waiting(h)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the thread never blocked interruptibly";
    std::this_thread::yield();
  }
}

/// Runs wait() on a safepoint::thread, interrupts it once it is blocked, and
/// returns whether Stop{7} came out of wait(). after() runs on the thread
/// after the catch (to check the resource state there).
template <class W, class A = void (*)()>
bool interrupted_out_of(
    W wait, A after = [] {}) {
  std::atomic<bool> caught{false};
  safepoint::thread t([&] {
    try {
      wait();
    } catch (Stop &s) {
      caught = s.id == 7;
    }
    after();
  });
  wait_until_waiting(t.handle());
  EXPECT_TRUE(t.interrupt(Stop{7}));
  t.join();
  return caught;
}

TEST(Wait, SleepForIsInterrupted) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(interrupted_out_of([] { safepoint::sleep_for(1h); }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST(Wait, SleepUntilSystemClockIsInterrupted) {
  EXPECT_TRUE(interrupted_out_of(
      [] { safepoint::sleep_until(std::chrono::system_clock::now() + 1h); }));
}

TEST(Wait, SleepCompletesWithoutInterrupt) {
  safepoint::thread t([] {
    auto start = std::chrono::steady_clock::now();
    safepoint::sleep_for(2ms);
    return std::chrono::steady_clock::now() - start >= 2ms;
  });
  EXPECT_TRUE(t.join());
}

TEST(Wait, MaskedWaitStaysBlockedAndKeepsTheInterrupt) {
  std::atomic<bool> slept{false}, pending{false}, caught{false};
  safepoint::thread t([&] {
    {
      safepoint::no_interrupts mask;
      safepoint::sleep_for(20ms); // not interruptible while masked
      slept = true;
      pending = safepoint::interrupt_pending();
    }
    try {
      safepoint::poll();
    } catch (Stop &) {
      caught = true;
    }
  });
  EXPECT_TRUE(t.interrupt(Stop{1}));
  t.join();
  EXPECT_TRUE(slept);
  EXPECT_TRUE(pending);
  EXPECT_TRUE(caught);
}

TEST(Wait, ConditionVariableWaitHoldsLockWhenInterrupted) {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false, held = false;
  EXPECT_TRUE(interrupted_out_of([&] {
    std::unique_lock lk(m);
    try {
      safepoint::wait(cv, lk, [&] { return ready; });
    } catch (...) {
      held = lk.owns_lock();
      throw;
    }
  }));
  EXPECT_TRUE(held);
  EXPECT_TRUE(m.try_lock()); // released by the unique_lock afterwards
  m.unlock();
}

TEST(Wait, ConditionVariableNotifyStillWorks) {
  std::mutex m;
  std::condition_variable cv;
  bool ready = false;
  safepoint::thread t([&] {
    std::unique_lock lk(m);
    safepoint::wait(cv, lk, [&] { return ready; });
    return true;
  });
  wait_until_waiting(t.handle());
  {
    std::lock_guard g(m);
    ready = true;
  }
  cv.notify_one();
  EXPECT_TRUE(t.join());
}

TEST(Wait, ConditionVariableTimedWaits) {
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock lk(m);
  safepoint::this_thread::handle();
  EXPECT_FALSE(safepoint::wait_for(cv, lk, 1ms, [] { return false; }));
  EXPECT_EQ(
      safepoint::wait_until(cv, lk, std::chrono::system_clock::now() + 1ms),
      std::cv_status::timeout);
  EXPECT_TRUE(interrupted_out_of([&] {
    std::mutex m2;
    std::unique_lock lk2(m2);
    safepoint::wait_for(cv, lk2, 1h, [] { return false; });
  }));
}

TEST(Wait, ConditionVariableWhileSenderCannotTakeTheMutex) {
  // The waiter's mutex is held by a third thread when the interrupt comes:
  // the service thread delivers the wake once the mutex is free.
  std::mutex m;
  std::condition_variable cv;
  std::atomic<bool> blocked{false};
  std::atomic<bool> caught{false};
  safepoint::thread t([&] {
    std::unique_lock lk(m);
    blocked = true;
    try {
      safepoint::wait(cv, lk, [] { return false; });
    } catch (Stop &) {
      caught = lk.owns_lock();
    }
  });
  wait_until_waiting(t.handle());
  std::unique_lock third(m); // the waiter is inside the wait: this succeeds
  EXPECT_TRUE(t.interrupt(Stop{7}));
  std::this_thread::sleep_for(2ms); // let the sender's try_lock fail
  third.unlock();
  t.join();
  EXPECT_TRUE(caught);
}

TEST(Wait, ConditionVariableAnyWithStdAndSafepointMutex) {
  std::condition_variable_any cv;
  std::mutex m;
  EXPECT_TRUE(interrupted_out_of([&] {
    std::unique_lock lk(m);
    safepoint::wait(cv, lk, [] { return false; });
  }));
  safepoint::mutex sm;
  bool held = false;
  EXPECT_TRUE(interrupted_out_of([&] {
    std::unique_lock lk(sm);
    try {
      safepoint::wait(cv, lk, [] { return false; });
    } catch (...) {
      held = lk.owns_lock();
      throw;
    }
  }));
  EXPECT_TRUE(held);
  EXPECT_TRUE(sm.try_lock());
  sm.unlock();
}

TEST(Wait, MutexLockIsInterruptedAndNotHeld) {
  safepoint::mutex m;
  m.lock();
  bool acquired_after = false;
  EXPECT_TRUE(interrupted_out_of([&] { std::lock_guard g(m); }));
  // Not held by the interrupted thread: unlocking lets another one take it.
  m.unlock();
  safepoint::thread t([&] {
    std::lock_guard g(m);
    acquired_after = true;
  });
  t.join();
  EXPECT_TRUE(acquired_after);
}

TEST(Wait, MutexContendedWakeUps) {
  safepoint::mutex m;
  long counter = 0;
  std::vector<safepoint::thread<void>> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      for (int k = 0; k < 20000; ++k) {
        std::lock_guard g(m);
        ++counter;
      }
    });
  for (auto &t : ts)
    t.join();
  EXPECT_EQ(counter, 80000);
}

TEST(Wait, TimedMutex) {
  safepoint::timed_mutex m;
  m.lock();
  safepoint::thread t([&] { return m.try_lock_for(1ms); });
  EXPECT_FALSE(t.join());
  EXPECT_TRUE(interrupted_out_of([&] { (void)m.try_lock_for(1h); }));
  m.unlock();
  EXPECT_TRUE(m.try_lock_until(std::chrono::steady_clock::now() + 1ms));
  m.unlock();
}

TEST(Wait, SharedMutex) {
  safepoint::shared_mutex m;
  m.lock_shared();
  EXPECT_TRUE(interrupted_out_of([&] { std::unique_lock g(m); }));
  m.unlock_shared();
  m.lock();
  EXPECT_TRUE(interrupted_out_of([&] { std::shared_lock g(m); }));
  m.unlock();
  EXPECT_TRUE(m.try_lock()); // nobody left holding it
  m.unlock();
  long counter = 0;
  std::vector<safepoint::thread<void>> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&, i] {
      for (int k = 0; k < 5000; ++k) {
        if (i % 2) {
          std::unique_lock g(m);
          ++counter;
        } else {
          std::shared_lock g(m);
          (void)counter;
        }
      }
    });
  for (auto &t : ts)
    t.join();
  EXPECT_EQ(counter, 10000);
}

TEST(Wait, JoinStdThread) {
  std::promise<void> release;
  std::shared_future<void> go = release.get_future().share();
  std::thread blocked([go] { go.wait(); });
  bool joinable_after = false;
  EXPECT_TRUE(interrupted_out_of([&] { safepoint::join(blocked); },
                                 [&] { joinable_after = blocked.joinable(); }));
  EXPECT_TRUE(joinable_after);
  release.set_value();
  safepoint::this_thread::handle();
  safepoint::join(blocked);
  EXPECT_FALSE(blocked.joinable());
}

TEST(Wait, JoinSafepointThread) {
  std::promise<void> release;
  std::shared_future<void> go = release.get_future().share();
  safepoint::thread<int> blocked([go] {
    go.wait();
    return 5;
  });
  EXPECT_TRUE(interrupted_out_of([&] { (void)blocked.join(); }));
  EXPECT_TRUE(blocked.joinable());
  release.set_value();
  EXPECT_EQ(blocked.join(), 5);
}

TEST(Wait, FutureWaitAndGet) {
  std::promise<int> p;
  std::future<int> f = p.get_future();
  EXPECT_TRUE(interrupted_out_of([&] { (void)safepoint::get(f); }));
  EXPECT_TRUE(f.valid()); // the interrupted get() did not consume it
  std::shared_future<int> sf;
  p.set_value(42);
  EXPECT_EQ(safepoint::get(f), 42);

  std::promise<int> p2;
  sf = p2.get_future().share();
  EXPECT_TRUE(interrupted_out_of([&] { safepoint::wait(sf); }));
  p2.set_value(1);
  EXPECT_EQ(safepoint::get(sf), 1);
}

TEST(Wait, Semaphore) {
  std::counting_semaphore<8> s(0);
  EXPECT_TRUE(interrupted_out_of([&] { safepoint::acquire(s); }));
  s.release(2); // the count is intact
  EXPECT_TRUE(s.try_acquire());
  EXPECT_TRUE(s.try_acquire());
  EXPECT_FALSE(s.try_acquire());
  std::binary_semaphore b(0);
  EXPECT_TRUE(interrupted_out_of([&] { safepoint::acquire(b); }));
  safepoint::this_thread::handle();
  EXPECT_FALSE(safepoint::try_acquire_for(b, 1ms));
  safepoint::thread t([&] {
    safepoint::acquire(b);
    return true;
  });
  wait_until_waiting(t.handle());
  b.release();
  EXPECT_TRUE(t.join());
}

TEST(Wait, Latch) {
  std::latch l(2);
  EXPECT_TRUE(interrupted_out_of([&] { safepoint::arrive_and_wait(l); }));
  EXPECT_FALSE(l.try_wait()); // one arrival counted
  safepoint::thread t([&] {
    safepoint::wait(l);
    return true;
  });
  wait_until_waiting(t.handle());
  l.count_down();
  EXPECT_TRUE(t.join());
}

TEST(Wait, Barrier) {
  int completions = 0;
  std::barrier b(2, [&]() noexcept { ++completions; });
  // Interrupted while waiting: its arrival counts, the phase is not done.
  EXPECT_TRUE(interrupted_out_of([&] { safepoint::arrive_and_wait(b); }));
  EXPECT_EQ(completions, 0);
  safepoint::thread t([&] {
    safepoint::arrive_and_wait(b); // completes phase 0 with the first one
    safepoint::arrive_and_wait(b); // phase 1 waits for main
    return completions;
  });
  wait_until_waiting(t.handle());
  EXPECT_EQ(completions, 1);
  b.arrive_and_wait();
  EXPECT_EQ(t.join(), 2);
}

TEST(Wait, ReadConsumesNothingWhenInterrupted) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  char buf[4];
  EXPECT_TRUE(
      interrupted_out_of([&] { (void)safepoint::read(fds[0], buf, 4); }));
  ASSERT_EQ(::write(fds[1], "ab", 2), 2);
  safepoint::this_thread::handle();
  EXPECT_EQ(safepoint::read(fds[0], buf, 4), 2u);
  EXPECT_EQ(std::string(buf, 2), "ab");
  close(fds[0]);
  close(fds[1]);
}

TEST(Wait, WriteOnFullPipeIsInterrupted) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  std::vector<char> junk(1 << 16, 'x');
  while (::write(fds[1], junk.data(), junk.size()) > 0) {
  }
  fcntl(fds[1], F_SETFL, 0);
  EXPECT_TRUE(
      interrupted_out_of([&] { (void)safepoint::write(fds[1], "y", 1); }));
  close(fds[0]);
  close(fds[1]);
}

TEST(Wait, SocketOps) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(l, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  getsockname(l, reinterpret_cast<sockaddr *>(&a), &len);
  ASSERT_EQ(listen(l, 4), 0);
  EXPECT_TRUE(interrupted_out_of([&] { (void)safepoint::accept(l); }));
  // No connection was lost: connect now and accept it.
  int c = socket(AF_INET, SOCK_STREAM, 0);
  safepoint::this_thread::handle();
  safepoint::connect(c, reinterpret_cast<sockaddr *>(&a), sizeof a);
  int s = safepoint::accept(l);
  ASSERT_GE(s, 0);
  char buf[8];
  EXPECT_TRUE(interrupted_out_of([&] { (void)safepoint::recv(s, buf, 8); }));
  EXPECT_EQ(safepoint::send(c, "hi", 2), 2u);
  EXPECT_EQ(safepoint::recv(s, buf, 8), 2u);
  pollfd p{s, POLLIN, 0};
  EXPECT_TRUE(interrupted_out_of([&] { (void)safepoint::poll(&p, 1); }));
  EXPECT_EQ(safepoint::poll(&p, 1, 1), 0); // timeout
  close(c);
  close(s);
  close(l);
}

TEST(Wait, UserPrimitiveThroughWaitScope) {
  std::atomic<int> flag{0};
  EXPECT_TRUE(interrupted_out_of([&] {
    safepoint::wait_scope scope([&]() noexcept {
      flag.store(1);
      flag.notify_all();
    });
    ASSERT_TRUE(scope.active());
    while (!scope.interrupted())
      flag.wait(0);
    safepoint::poll();
  }));
  EXPECT_EQ(flag.load(), 1);
}

TEST(Wait, WaitScopeInactiveWhenMasked) {
  safepoint::this_thread::handle();
  safepoint::no_interrupts mask;
  safepoint::wait_scope scope([]() noexcept {});
  EXPECT_FALSE(scope.active());
  EXPECT_FALSE(safepoint::is_waiting(safepoint::this_thread::handle()));
}

} // namespace

extern "C" int __safepoint_wrap_nanosleep(const timespec *, timespec *);

namespace {

// The wrappers the plugin substitutes for existing blocking calls return
// early (EINTR) once per queued interrupt, so that a retry loop without a
// poll blocks as before instead of spinning; and never while masked.
TEST(Wait, WrapperReturnsEarlyOncePerInterrupt) {
  safepoint::thread t([] {
    timespec ts{0, 5'000'000}, rem{};
    safepoint::interrupt(safepoint::this_thread::handle(), Stop{7});
    {
      safepoint::no_interrupts mask; // masked: the full sleep
      EXPECT_EQ(__safepoint_wrap_nanosleep(&ts, nullptr), 0);
    }
    errno = 0;
    EXPECT_EQ(__safepoint_wrap_nanosleep(&ts, &rem), -1);
    EXPECT_EQ(errno, EINTR);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(__safepoint_wrap_nanosleep(&ts, nullptr), 0); // not again
    EXPECT_GE(std::chrono::steady_clock::now() - start, 5ms);
    bool caught = false;
    try {
      safepoint::poll();
    } catch (Stop &) {
      caught = true;
    }
    EXPECT_TRUE(caught);
    // Delivered: the next interrupt ends the next wrapped wait early again.
    safepoint::interrupt(safepoint::this_thread::handle(), Stop{8});
    EXPECT_EQ(__safepoint_wrap_nanosleep(&ts, nullptr), -1);
    try {
      safepoint::poll();
    } catch (Stop &) {
    }
  });
  t.join();
}

TEST(Wait, NestedWaitIsPlain) {
  // A wait inside a wait_scope's loop does not register a second waker
  // (which would leave the outer scope's unregistration waiting forever).
  safepoint::this_thread::handle();
  safepoint::wait_scope outer([]() noexcept {});
  EXPECT_TRUE(outer.active());
  safepoint::sleep_for(1ms);
  safepoint::wait_scope inner([]() noexcept {});
  EXPECT_FALSE(inner.active());
}

// Exactly once: a peer streams bytes while the reader is interrupted many
// times (half of the interrupts sent while it is blocked in read, right
// before the next chunk arrives; more from a thread sending continuously);
// every byte is read once, in order, and every interrupt is caught once.
TEST(Wait, ExactlyOnceStreamRead) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  constexpr int total = 1 << 18, chunk = 1000;
  std::atomic<bool> done{false};
  std::atomic<long> caught{0}, sent{0};
  auto byte = [](int i) {
    return static_cast<unsigned char>(i * 7 + (i >> 11));
  };
  safepoint::thread<std::vector<unsigned char>> reader([&] {
    std::vector<unsigned char> got;
    got.reserve(total);
    unsigned char buf[3000];
    while (got.size() < std::size_t(total)) {
      try {
        std::size_t n = safepoint::read(fds[0], buf, sizeof buf);
        if (n == 0)
          break;
        got.insert(got.end(), buf, buf + n);
        safepoint::poll(); // an interrupt that raced with data comes here
      } catch (Stop &) {
        ++caught;
      }
    }
    done = true;
    for (;;) { // drain interrupts still queued
      try {
        safepoint::poll();
        break;
      } catch (Stop &) {
        ++caught;
      }
    }
    return got;
  });
  safepoint::handle target = reader.handle();
  safepoint::thread noise([&] {
    while (!done) // at most a few queued at a time
      if (sent - caught < 3 && safepoint::interrupt(target, Stop{0}))
        ++sent;
      else
        std::this_thread::yield();
  });
  safepoint::thread writer([&] {
    std::vector<unsigned char> data(chunk);
    for (int off = 0, k = 0; off < total; ++k) {
      auto until = std::chrono::steady_clock::now() + 20ms;
      while (!safepoint::is_waiting(target) &&
             std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      if (k % 2 == 0 && safepoint::interrupt(target, Stop{1}))
        ++sent;
      int n = std::min(chunk, total - off);
      for (int i = 0; i < n; ++i)
        data[i] = byte(off + i);
      for (int w = 0; w < n;)
        w += static_cast<int>(safepoint::write(fds[1], data.data() + w, n - w));
      off += n;
    }
  });
  writer.join();
  std::vector<unsigned char> got = reader.join();
  noise.join();
  ASSERT_EQ(got.size(), std::size_t(total));
  for (int i = 0; i < total; ++i)
    ASSERT_EQ(got[i], byte(i)) << i;
  EXPECT_EQ(caught.load(), sent.load());
  EXPECT_GE(sent.load(), total / chunk / 2);
  close(fds[0]);
  close(fds[1]);
}

} // namespace
