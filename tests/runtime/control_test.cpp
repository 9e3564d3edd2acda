//===- control_test.cpp - Deadlines, handlers, handshakes, signals --------===//
//
// Unit tests of the runtime's control features (issue 6): tracked delivery
// and introspection, run_on handshakes, on_interrupt handlers, alarms and
// deadline scopes, the std::stop_token bridge and signal delivery. Threads
// poll explicitly with safepoint::poll() (no compiler plugin) and are
// synchronised with atomics and latches; time limits only guard against
// hangs. Deadline tests use deadlines in the past or far in the future
// relative to the step they test, never a race between two clocks.
//
//===----------------------------------------------------------------------===//

#include "safepoint/abi.h"
#include "safepoint/deadline.hpp"
#include "safepoint/handshake.hpp"
#include "safepoint/safepoint.hpp"
#include "safepoint/signal.hpp"
#include "safepoint/wait.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <future>
#include <latch>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr auto kGuard = 20s;

struct Timeout {
  int n;
};
struct Other {};
struct Replaced {
  int from;
};

/// Polls until \p done, failing (not hanging) after kGuard.
template <class Pred> void poll_until(Pred done) {
  auto end = std::chrono::steady_clock::now() + kGuard;
  while (!done()) {
    safepoint::poll();
    ASSERT_LT(std::chrono::steady_clock::now(), end) << "hang guard";
    std::this_thread::yield();
  }
}

/// Spins (polling) until an interrupt is thrown; returns normally only if
/// the guard expires, which the caller reports.
void poll_forever() {
  auto end = std::chrono::steady_clock::now() + kGuard;
  while (std::chrono::steady_clock::now() < end)
    safepoint::poll();
}

//===----------------------------------------------------------------------===//
// Tracked delivery
//===----------------------------------------------------------------------===//

TEST(Delivery, QueuedThenDeliveredWithSite) {
  safepoint::debug::record_delivery_sites(true);
  std::atomic<bool> sent{false};
  safepoint::thread t([&] {
    while (!sent.load())
      std::this_thread::yield();
    try {
      poll_forever();
    } catch (const Timeout &) {
      return true;
    }
    return false;
  });
  safepoint::delivery d =
      safepoint::interrupt(t.handle(), Timeout{1}, safepoint::track);
  EXPECT_FALSE(d.done());
  sent = true;
  EXPECT_EQ(d.wait(), safepoint::delivery_status::delivered);
  EXPECT_TRUE(t.join());
  // The site: the function that called safepoint::poll(), in this binary.
  EXPECT_NE(d.site().find("+0x"), std::string::npos) << d.site();
  EXPECT_NE(d.site().find("control"), std::string::npos) << d.site();
  safepoint::debug::record_delivery_sites(false);
}

TEST(Delivery, DroppedWhenTargetExitsOrHasExited) {
  std::latch masked(1), release(1);
  safepoint::thread t([&] {
    safepoint::no_interrupts mask;
    masked.count_down();
    release.wait();
  });
  masked.wait();
  auto d = safepoint::interrupt(t.handle(), Timeout{2}, safepoint::track);
  EXPECT_EQ(d.status(), safepoint::delivery_status::queued);
  release.count_down();
  t.join();
  EXPECT_EQ(d.wait(), safepoint::delivery_status::dropped);
  auto late = safepoint::interrupt(d.target(), Timeout{3}, safepoint::track);
  EXPECT_EQ(late.status(), safepoint::delivery_status::dropped);
}

TEST(Delivery, CancelledInterruptIsNeverThrown) {
  std::latch masked(1), release(1);
  std::atomic<int> caught{0};
  safepoint::thread t([&] {
    {
      safepoint::no_interrupts mask;
      masked.count_down();
      release.wait();
    }
    try {
      for (int i = 0; i < 1000; ++i)
        safepoint::poll();
    } catch (const Timeout &t) {
      caught = t.n;
    }
    poll_until([] { return !safepoint::interrupt_pending(); });
  });
  masked.wait();
  auto first = safepoint::interrupt(t.handle(), Timeout{1}, safepoint::track);
  auto second = safepoint::interrupt(t.handle(), Timeout{2}, safepoint::track);
  EXPECT_TRUE(first.cancel());
  EXPECT_FALSE(first.cancel()); // already final
  release.count_down();
  EXPECT_EQ(second.wait(), safepoint::delivery_status::delivered);
  t.join();
  EXPECT_EQ(caught.load(), 2);
  EXPECT_EQ(first.status(), safepoint::delivery_status::cancelled);
}

TEST(Delivery, CancelRacingWithDeliveryHasOneWinner) {
  // Every receipt ends delivered (thrown exactly once) or cancelled (never
  // thrown); handshakes in between run exactly once.
  constexpr int kRounds = 3000;
  std::atomic<bool> stop{false};
  std::atomic<int> thrown{0}, ran{0};
  safepoint::thread t([&] {
    while (!stop.load()) {
      try {
        safepoint::poll();
      } catch (const Timeout &) {
        ++thrown;
      }
    }
    poll_until([] { return !safepoint::interrupt_pending(); });
    // Drain what is left (the loop may have stopped between two sends).
    for (;;) {
      try {
        safepoint::poll();
        break;
      } catch (const Timeout &) {
        ++thrown;
      }
    }
  });
  std::vector<safepoint::delivery> receipts;
  std::vector<std::future<void>> handshakes;
  for (int i = 0; i < kRounds; ++i) {
    receipts.push_back(
        safepoint::interrupt(t.handle(), Timeout{i}, safepoint::track));
    if (i % 3 == 0)
      receipts.back().cancel();
    if (i % 5 == 0)
      handshakes.push_back(safepoint::run_on(t.handle(), [&] { ++ran; }));
  }
  for (auto &h : handshakes)
    ASSERT_EQ(h.wait_for(kGuard), std::future_status::ready);
  int delivered = 0, cancelled = 0;
  for (auto &r : receipts) {
    auto s = r.wait();
    delivered += s == safepoint::delivery_status::delivered;
    cancelled += s == safepoint::delivery_status::cancelled;
  }
  stop = true;
  t.join();
  EXPECT_EQ(delivered + cancelled, kRounds);
  EXPECT_EQ(thrown.load(), delivered);
  EXPECT_GE(cancelled, 1);
  EXPECT_EQ(ran.load(), int(handshakes.size()));
}

//===----------------------------------------------------------------------===//
// Introspection
//===----------------------------------------------------------------------===//

TEST(Explain, SaysWhyNotDelivered) {
  std::latch ready(1), go(1);
  std::atomic<int> phase{0};
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  safepoint::thread t([&] {
    {
      safepoint::no_interrupts mask;
      ready.count_down();
      go.wait();
    }
    // Compiler mask, as in a destructor of instrumented code.
    ++__safepoint_mask_depth;
    phase = 1;
    while (phase.load() == 1)
      std::this_thread::yield();
    --__safepoint_mask_depth;
    try {
      throw Other{};
    } catch (const Other &) {
      phase = 3;
      while (phase.load() == 3)
        std::this_thread::yield();
    }
    char c;
    phase = 5;
    [[maybe_unused]] ssize_t n = ::read(fds[0], &c, 1); // uncovered read
    while (phase.load() == 5)
      ; // running, no poll
    poll_forever();
  });
  ready.wait();
  auto d = safepoint::interrupt(t.handle(), Timeout{1}, safepoint::track);
  safepoint::thread_report r = d.explain();
  EXPECT_TRUE(r.alive);
  EXPECT_EQ(r.queued, 1u);
  EXPECT_EQ(r.reason, safepoint::pending_reason::no_interrupts) << r.describe();
  go.count_down();
  while (phase.load() != 1)
    std::this_thread::yield();
  r = d.explain();
  EXPECT_EQ(r.reason, safepoint::pending_reason::masked) << r.describe();
  EXPECT_EQ(r.mask_depth, 1u);
  phase = 2;
  while (phase.load() != 3)
    std::this_thread::yield();
  EXPECT_EQ(d.explain().reason, safepoint::pending_reason::catch_handler);
  phase = 4;
  while (phase.load() != 5)
    std::this_thread::yield();
  // Wait until the kernel reports the thread asleep in read().
  auto end = std::chrono::steady_clock::now() + kGuard;
  while ((r = d.explain()).reason != safepoint::pending_reason::blocked &&
         std::chrono::steady_clock::now() < end)
    std::this_thread::yield();
  EXPECT_EQ(r.reason, safepoint::pending_reason::blocked) << r.describe();
#if defined(__x86_64__)
  EXPECT_EQ(r.syscall, 0) << r.describe(); // read
  EXPECT_NE(r.describe().find("read"), std::string::npos) << r.describe();
#endif
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  while ((r = d.explain()).reason != safepoint::pending_reason::running &&
         std::chrono::steady_clock::now() < end)
    std::this_thread::yield();
  EXPECT_EQ(r.reason, safepoint::pending_reason::running) << r.describe();
  phase = 6;
  EXPECT_EQ(d.wait(), safepoint::delivery_status::delivered);
  EXPECT_THROW(t.join(), Timeout);
  EXPECT_EQ(d.explain().reason, safepoint::pending_reason::exited);
  ::close(fds[0]);
  ::close(fds[1]);
}

//===----------------------------------------------------------------------===//
// Handshakes
//===----------------------------------------------------------------------===//

TEST(RunOn, RunsOnTargetAndReturnsResult) {
  std::atomic<bool> stop{false};
  safepoint::thread t([&] { poll_until([&] { return stop.load(); }); });
  auto f =
      safepoint::run_on(t.handle(), [] { return std::this_thread::get_id(); });
  ASSERT_EQ(f.wait_for(kGuard), std::future_status::ready);
  EXPECT_EQ(f.get(), t.get_id());
  auto g = safepoint::run_on(
      t.handle(), []() -> int { throw std::runtime_error("in handshake"); });
  EXPECT_THROW(g.get(), std::runtime_error); // stored, not thrown in t
  stop = true;
  EXPECT_NO_THROW(t.join());
}

TEST(RunOn, BlockedWaitRunsHandshakeAndWaitsOn) {
  std::atomic<bool> in_sleep{false};
  safepoint::thread t([&] {
    in_sleep = true;
    try {
      safepoint::sleep_for(1h);
    } catch (const Timeout &) {
      return 1;
    }
    return 0;
  });
  while (!in_sleep.load() || !safepoint::is_waiting(t.handle()))
    std::this_thread::yield();
  auto f = safepoint::run_on(t.handle(), [] { return 42; });
  ASSERT_EQ(f.wait_for(kGuard), std::future_status::ready);
  EXPECT_EQ(f.get(), 42);
  // Still sleeping: it re-entered the wait.
  auto end = std::chrono::steady_clock::now() + kGuard;
  while (!safepoint::is_waiting(t.handle()) &&
         std::chrono::steady_clock::now() < end)
    std::this_thread::yield();
  EXPECT_TRUE(safepoint::is_waiting(t.handle()));
  t.interrupt(Timeout{1});
  EXPECT_EQ(t.join(), 1);
}

TEST(RunOn, DeferredWhileMaskedAndBrokenIfTargetExits) {
  std::latch masked(1), release(1);
  std::atomic<bool> ran{false};
  safepoint::thread t([&] {
    safepoint::no_interrupts mask;
    masked.count_down();
    release.wait();
  });
  masked.wait();
  auto f = safepoint::run_on(t.handle(), [&] { ran = true; });
  EXPECT_EQ(f.wait_for(10ms), std::future_status::timeout);
  release.count_down();
  t.join();
  EXPECT_FALSE(ran.load());
  try {
    f.get();
    ADD_FAILURE() << "no broken_promise";
  } catch (const std::future_error &e) {
    EXPECT_EQ(e.code(), std::future_errc::broken_promise);
  }
}

// A handshake, or a handler that resumes, may set errno (printf does); the
// poll that ran it returns with the thread's own value, since a poll may sit
// between a failed call and the code that reads errno.
TEST(RunOn, PollThatReturnsKeepsErrno) {
  std::atomic<bool> ready{false}, ran{false};
  safepoint::thread t([&] {
    errno = 4242;
    ready = true;
    while (!ran.load())
      safepoint::poll(); // nothing else here touches errno
    return errno;
  });
  while (!ready.load())
    std::this_thread::yield();
  auto f = safepoint::run_on(t.handle(), [&] {
    errno = EBADF;
    ran = true;
  });
  ASSERT_EQ(f.wait_for(kGuard), std::future_status::ready);
  EXPECT_EQ(t.join(), 4242);

  auto h = safepoint::on_interrupt<Timeout>([](Timeout &) { errno = EBADF; });
  safepoint::interrupt(safepoint::this_thread::handle(), Timeout{1});
  errno = 4343;
  safepoint::poll(); // resumed by the handler
  const int after = errno;
  EXPECT_EQ(after, 4343);
}

//===----------------------------------------------------------------------===//
// Handlers at the interrupt point
//===----------------------------------------------------------------------===//

TEST(Handler, ResumePropagateTransformNested) {
  auto self = safepoint::this_thread::handle();
  std::vector<int> seen;
  {
    auto outer = safepoint::on_interrupt<Timeout>([&](Timeout &t) {
      seen.push_back(100 + t.n);
      if (t.n == 3)
        throw Replaced{t.n};
      return t.n == 2 ? safepoint::interrupt_action::propagate
                      : safepoint::interrupt_action::resume;
    });
    safepoint::interrupt(self, Timeout{1});
    EXPECT_NO_THROW(safepoint::poll()); // resumed
    safepoint::interrupt(self, Timeout{2});
    EXPECT_THROW(safepoint::poll(), Timeout);
    safepoint::interrupt(self, Timeout{3});
    EXPECT_THROW(safepoint::poll(), Replaced);
    {
      auto inner = safepoint::on_interrupt<Timeout>(
          [&](Timeout &t) { seen.push_back(200 + t.n); });
      safepoint::interrupt(self, Timeout{4});
      EXPECT_NO_THROW(safepoint::poll()); // innermost decides
    }
    safepoint::interrupt(self, Other{}); // no handler for Other
    EXPECT_THROW(safepoint::poll(), Other);
  }
  safepoint::interrupt(self, Timeout{5}); // handlers are gone
  EXPECT_THROW(safepoint::poll(), Timeout);
  EXPECT_EQ(seen, (std::vector<int>{101, 102, 103, 204}));
}

TEST(Handler, TrackedStatusAndWaitResume) {
  std::atomic<bool> in_sleep{false};
  std::atomic<int> handled{0};
  safepoint::thread t([&] {
    auto h = safepoint::on_interrupt<Timeout>([&](Timeout &) { ++handled; });
    in_sleep = true;
    try {
      safepoint::sleep_for(1h);
    } catch (const Other &) {
      return handled.load();
    }
    return -1;
  });
  while (!in_sleep.load() || !safepoint::is_waiting(t.handle()))
    std::this_thread::yield();
  auto d = safepoint::interrupt(t.handle(), Timeout{1}, safepoint::track);
  EXPECT_EQ(d.wait(), safepoint::delivery_status::handled);
  t.interrupt(Other{}); // the sleep went on until this one
  EXPECT_EQ(t.join(), 1);
}

//===----------------------------------------------------------------------===//
// Alarms and deadline scopes
//===----------------------------------------------------------------------===//

TEST(Deadline, InterruptAfterFiresAndCancelStopsIt) {
  std::atomic<bool> stop{false};
  safepoint::thread t([&] {
    try {
      poll_until([&] { return stop.load(); });
    } catch (const Timeout &t) {
      return t.n;
    }
    return 0;
  });
  auto cancelled = safepoint::interrupt_after(t.handle(), 1h, Timeout{1});
  EXPECT_EQ(cancelled.status(), safepoint::delivery_status::scheduled);
  EXPECT_TRUE(cancelled.cancel());
  auto fired = safepoint::interrupt_after(t.handle(), 1ms, Timeout{2});
  EXPECT_EQ(fired.wait(), safepoint::delivery_status::delivered);
  EXPECT_EQ(t.join(), 2);
  EXPECT_EQ(cancelled.status(), safepoint::delivery_status::cancelled);
}

TEST(Deadline, WithDeadlineThrowsItsOwnScope) {
  std::uint64_t id = 0;
  try {
    safepoint::with_deadline(1ms, [&] {
      id = safepoint::current_deadline() ? 1 : 0;
      poll_forever();
    });
    ADD_FAILURE() << "no deadline_exceeded";
  } catch (const safepoint::deadline_exceeded &e) {
    EXPECT_NE(e.scope, 0u);
  }
  EXPECT_EQ(id, 1u);
  EXPECT_FALSE(safepoint::current_deadline());
}

TEST(Deadline, MoveOnAfterCatchesOnlyItsOwnExpiry) {
  // Inner expires: caught by the inner scope, the outer one goes on.
  std::optional<int> inner;
  auto outer = safepoint::move_on_after(1h, [&] {
    inner = safepoint::move_on_after(1ms, [&] {
      poll_forever();
      return 1;
    });
    return 2;
  });
  EXPECT_FALSE(inner.has_value());
  ASSERT_TRUE(outer.has_value());
  EXPECT_EQ(*outer, 2);

  // Outer expires while the inner scope runs: the inner one lets it pass.
  bool inner_returned = false;
  bool finished = safepoint::move_on_after(1ms, [&] {
    safepoint::move_on_after(1h, [&] { poll_forever(); });
    inner_returned = true;
  });
  EXPECT_FALSE(finished);
  EXPECT_FALSE(inner_returned);
}

TEST(Deadline, EndedScopeWithdrawsItsQueuedInterrupt) {
  bool completed = false;
  {
    safepoint::deadline_scope scope(1ms);
    safepoint::no_interrupts mask; // the deadline fires but cannot land
    auto end = std::chrono::steady_clock::now() + kGuard;
    while (!safepoint::interrupt_pending() &&
           std::chrono::steady_clock::now() < end)
      std::this_thread::yield();
    EXPECT_TRUE(safepoint::interrupt_pending());
    EXPECT_TRUE(scope.expired());
    completed = true;
  }
  // Never escapes the scope: polls skip it. (The timer thread may still be
  // between queueing it and setting the pending word, so poll until the
  // queue is empty rather than once.)
  EXPECT_NO_THROW(poll_until([] { return !safepoint::interrupt_pending(); }));
  EXPECT_FALSE(safepoint::interrupt_pending());
  EXPECT_TRUE(completed);
}

TEST(Deadline, EnforcedInsideInterruptibleWaits) {
  std::mutex m;
  std::condition_variable cv;
  std::unique_lock lk(m);
  bool timed_out = !safepoint::move_on_after(
      5ms, [&] { safepoint::wait(cv, lk, [] { return false; }); });
  EXPECT_TRUE(timed_out);
  EXPECT_TRUE(lk.owns_lock());
}

//===----------------------------------------------------------------------===//
// std::stop_token bridge
//===----------------------------------------------------------------------===//

TEST(StopToken, StopRequestInterruptsTheThread) {
  std::atomic<bool> armed{false};
  std::atomic<int> result{0};
  {
    std::jthread t([&](std::stop_token st) {
      safepoint::interrupt_on_stop guard(st, Timeout{7});
      armed = true;
      try {
        safepoint::sleep_for(1h);
      } catch (const Timeout &t) {
        result = t.n;
      }
    });
    while (!armed.load())
      std::this_thread::yield();
  } // ~jthread: request_stop(), join()
  EXPECT_EQ(result.load(), 7);

  std::stop_source already;
  already.request_stop();
  safepoint::interrupt_on_stop guard(already.get_token(), Timeout{8});
  EXPECT_THROW(safepoint::poll(), Timeout);
}

//===----------------------------------------------------------------------===//
// Signals
//===----------------------------------------------------------------------===//

TEST(Signal, SigintBecomesAnExceptionInTheTarget) {
  struct sigaction before {};
  sigaction(SIGINT, nullptr, &before);
  {
    safepoint::signal_interrupts ctrl_c;
    EXPECT_THROW(safepoint::signal_interrupts again, std::logic_error);
    ASSERT_EQ(::kill(::getpid(), SIGINT), 0);
    try {
      poll_forever();
      ADD_FAILURE() << "no signal_received";
    } catch (const safepoint::signal_received &s) {
      EXPECT_EQ(s.signo, SIGINT);
      EXPECT_STREQ(s.what(), "SIGINT");
    }
  }
  struct sigaction after {};
  sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler); // restored
}

TEST(SignalDeathTest, SecondSignalFallsBackToDefaultAction) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        safepoint::signal_interrupts ctrl_c(
            {SIGINT}, safepoint::this_thread::handle(), 10s);
        ::kill(::getpid(), SIGINT);
        ::kill(::getpid(), SIGINT);
        for (int i = 0; i < 1000; ++i)
          ::usleep(10'000);
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGINT), "");
}

} // namespace
