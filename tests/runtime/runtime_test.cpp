//===- runtime_test.cpp - Unit tests of the Safepoint runtime -------------===//
//
// These tests do not use the compiler plugin: threads poll explicitly with
// safepoint::poll(). Threads are synchronised with handshakes (atomics,
// latches); time limits only guard against hangs.
//
//===----------------------------------------------------------------------===//

#include "safepoint/abi.h"
#include "safepoint/handshake.hpp"
#include "safepoint/safepoint.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

/// Time limit of every wait that should succeed (a hang guard only).
constexpr auto kGuard = 20s;

struct Timeout {
  std::string what;
  int seconds;
};

struct Seq {
  int n;
};

struct Base {
  virtual ~Base() = default;
  virtual int code() const { return 1; }
};
struct Derived : Base {
  int code() const override { return 2; }
};

/// Counts live instances, to observe when queued exception objects die.
struct Tracked {
  static inline std::atomic<int> live{0};
  Tracked() { ++live; }
  Tracked(const Tracked &) { ++live; }
  ~Tracked() { --live; }
};

/// Sets a flag when destroyed (e.g. by unwinding).
struct SetOnDestroy {
  std::atomic<bool> &flag;
  ~SetOnDestroy() { flag = true; }
};

/// Polls until an interrupt is thrown or the guard expires (then returns).
void poll_until_interrupted(
    std::chrono::steady_clock::duration limit = kGuard) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end)
    safepoint::poll();
}

/// Runs \p f; returns the Seq it threw or -1 if it threw nothing.
template <class F> int seq_thrown_by(F &&f) {
  try {
    f();
  } catch (const Seq &s) {
    return s.n;
  }
  return -1;
}

/// Polls once; returns the Seq delivered or -1 if nothing was thrown.
int poll_seq() {
  return seq_thrown_by([] { safepoint::poll(); });
}

/// Increments __safepoint_mask_depth like a compiler mask, for a scope.
struct AbiMask {
  AbiMask() { ++__safepoint_mask_depth; }
  ~AbiMask() { --__safepoint_mask_depth; }
};

template <class F> std::errc system_error_of(F &&f) {
  try {
    f();
  } catch (const std::system_error &e) {
    return static_cast<std::errc>(e.code().value());
  }
  return std::errc{};
}

/// The main thread is registered once and shared by all tests: each test
/// must leave nothing queued on it and no mask active.
class Runtime : public ::testing::Test {
protected:
  void TearDown() override {
    EXPECT_EQ(__safepoint_mask_depth, 0u);
    EXPECT_FALSE(safepoint::interrupts_deferred());
    EXPECT_FALSE(safepoint::interrupt_pending()) << "interrupt left queued";
    for (int i = 0; i < 1000 && safepoint::interrupt_pending(); ++i) {
      try {
        safepoint::poll();
      } catch (...) {
      }
    }
  }
};

//===----------------------------------------------------------------------===//
// Delivery of type and data
//===----------------------------------------------------------------------===//

TEST_F(Runtime, ExceptionTypeAndDataArriveIntact) {
  std::latch started(1);
  safepoint::thread t([&] {
    started.count_down();
    try {
      poll_until_interrupted();
    } catch (Timeout &timeout) {
      return timeout;
    }
    return Timeout{"not delivered", -1};
  });
  static_assert(std::is_same_v<decltype(t), safepoint::thread<Timeout>>);
  started.wait();
  EXPECT_TRUE(t.interrupt(Timeout{"db query", 3}));
  Timeout got = t.join();
  EXPECT_EQ(got.what, "db query");
  EXPECT_EQ(got.seconds, 3);
}

TEST_F(Runtime, UncaughtInterruptIsRethrownByJoinWithData) {
  std::latch started(1);
  safepoint::thread t([&] {
    started.count_down();
    poll_until_interrupted();
  });
  started.wait();
  EXPECT_TRUE(safepoint::interrupt(t.handle(), Timeout{"rpc", 7}));
  try {
    t.join();
    FAIL() << "join did not rethrow the interrupt";
  } catch (const Timeout &e) {
    EXPECT_EQ(e.what, "rpc");
    EXPECT_EQ(e.seconds, 7);
  }
}

TEST_F(Runtime, DynamicTypeIsPreserved) {
  std::latch started(1);
  safepoint::thread t([&] {
    started.count_down();
    try {
      poll_until_interrupted();
    } catch (const Base &b) {
      return b.code();
    }
    return 0;
  });
  started.wait();
  const Derived d;
  EXPECT_TRUE(t.interrupt(d)); // an lvalue: copied
  EXPECT_EQ(t.join(), 2);
}

TEST_F(Runtime, ExceptionPtrIsDeliveredAsTheSameObject) {
  const std::exception_ptr ep =
      std::make_exception_ptr(std::out_of_range("range"));
  const void *original = nullptr;
  try {
    std::rethrow_exception(ep);
  } catch (const std::out_of_range &e) {
    original = &e;
  }

  std::latch started(1);
  safepoint::thread t([&] {
    started.count_down();
    try {
      poll_until_interrupted();
    } catch (const std::out_of_range &e) {
      return std::pair<std::string, const void *>(e.what(), &e);
    }
    return std::pair<std::string, const void *>("not delivered", nullptr);
  });
  started.wait();
  EXPECT_TRUE(t.interrupt(ep));
  auto [what, address] = t.join();
  EXPECT_EQ(what, "range");
  EXPECT_EQ(address, original);

  // The free-function form, uncaught in the body.
  std::latch started2(1);
  safepoint::thread t2([&] {
    started2.count_down();
    poll_until_interrupted();
  });
  started2.wait();
  EXPECT_TRUE(safepoint::interrupt(
      t2.handle(), std::make_exception_ptr(std::invalid_argument("ptr"))));
  EXPECT_THROW(t2.join(), std::invalid_argument);
}

//===----------------------------------------------------------------------===//
// Exited targets and invalid arguments
//===----------------------------------------------------------------------===//

TEST_F(Runtime, InterruptOfExitedSafepointThreadReturnsFalse) {
  safepoint::thread t([] { return 1; });
  const safepoint::handle h = t.handle();
  EXPECT_EQ(t.join(), 1);
  EXPECT_TRUE(h);
  EXPECT_FALSE(h.alive());
  EXPECT_EQ(t.handle(), h) << "the handle stays valid after join";

  Tracked::live = 0;
  EXPECT_FALSE(safepoint::interrupt(h, Tracked{}));
  EXPECT_EQ(Tracked::live, 0) << "a refused interrupt must be destroyed";
  EXPECT_FALSE(safepoint::interrupt(h, std::make_exception_ptr(Seq{1})));
  EXPECT_FALSE(t.interrupt(Seq{2}));
  EXPECT_FALSE(t.terminate());
  EXPECT_FALSE(safepoint::terminate(h));
}

TEST_F(Runtime, InterruptOfExitedStdThreadReturnsFalse) {
  safepoint::handle h;
  bool alive_inside = false;
  std::thread th([&] {
    h = safepoint::this_thread::handle();
    alive_inside = h.alive();
  });
  const std::thread::id tid = th.get_id();
  th.join();
  EXPECT_TRUE(alive_inside);
  ASSERT_TRUE(h);
  EXPECT_EQ(h.id(), tid);
  EXPECT_FALSE(h.alive());
  EXPECT_FALSE(safepoint::interrupt(h, Seq{1}));
  EXPECT_FALSE(safepoint::terminate(h));
}

TEST_F(Runtime, InterruptQueuedAtExitIsDestroyedWithTheThread) {
  Tracked::live = 0;
  safepoint::handle h;
  std::latch registered(1);
  std::latch go(1);
  std::thread th([&] {
    h = safepoint::this_thread::handle();
    registered.count_down();
    go.wait(); // exits without polling
  });
  registered.wait();
  EXPECT_TRUE(safepoint::interrupt(h, Tracked{}));
  EXPECT_TRUE(safepoint::interrupt(h, Tracked{}));
  EXPECT_EQ(Tracked::live, 2);
  go.count_down();
  th.join();
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_FALSE(h.alive());
}

TEST_F(Runtime, SendersRacingWithExitLeaveNothingQueued) {
  // Once join() returned, every interrupt the thread accepted must have been
  // dropped with it: a push that slipped in after the exit protocol drained
  // the queue would keep its exception alive as long as a handle exists.
  Tracked::live = 0;
  long accepted = 0, refused = 0;
  for (int i = 0; i < 300; ++i) {
    std::atomic<bool> stop{false};
    std::latch sending(1);
    safepoint::thread t([&] { sending.wait(); });
    const safepoint::handle h = t.handle();
    std::thread sender([&] {
      bool first = true;
      while (!stop.load()) {
        (safepoint::interrupt(h, Tracked{}) ? accepted : refused) += 1;
        if (std::exchange(first, false))
          sending.count_down();
      }
    });
    t.join();
    stop = true;
    sender.join();
    EXPECT_EQ(Tracked::live, 0) << "iteration " << i;
    if (Tracked::live != 0)
      break;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(refused, 0);
}

TEST_F(Runtime, EmptyHandleAndNullExceptionPtrThrowInvalidArgument) {
  const safepoint::handle empty;
  EXPECT_FALSE(empty);
  EXPECT_FALSE(empty.alive());
  EXPECT_EQ(empty.id(), std::thread::id());
  EXPECT_THROW(safepoint::interrupt(empty, Seq{1}), std::invalid_argument);
  EXPECT_THROW(safepoint::interrupt(empty, std::make_exception_ptr(Seq{1})),
               std::invalid_argument);
  EXPECT_THROW(safepoint::terminate(empty), std::invalid_argument);

  const safepoint::handle self = safepoint::this_thread::handle();
  EXPECT_THROW(safepoint::interrupt(self, std::exception_ptr()),
               std::invalid_argument);
  EXPECT_FALSE(safepoint::interrupt_pending());

  safepoint::thread<void> none;
  EXPECT_FALSE(none.handle());
  EXPECT_THROW(none.interrupt(Seq{1}), std::invalid_argument);
  EXPECT_THROW(none.interrupt(std::make_exception_ptr(Seq{1})),
               std::invalid_argument);
  EXPECT_THROW(none.terminate(), std::invalid_argument);
}

//===----------------------------------------------------------------------===//
// safepoint::thread: join, results, termination, timed waits, destruction
//===----------------------------------------------------------------------===//

TEST_F(Runtime, JoinReturnsTheResult) {
  safepoint::thread t(
      [](int a, std::string s, std::unique_ptr<int> p) {
        return s + std::to_string(a + *p);
      },
      4, std::string("x"), std::make_unique<int>(1));
  static_assert(std::is_same_v<decltype(t), safepoint::thread<std::string>>);
  EXPECT_EQ(t.join(), "x5");
  EXPECT_FALSE(t.joinable());

  int value = 0;
  safepoint::thread r([&]() -> int & { return value; });
  int &ref = r.join();
  EXPECT_EQ(&ref, &value);

  std::atomic<bool> ran{false};
  safepoint::thread v([&] { ran = true; });
  static_assert(std::is_same_v<decltype(v), safepoint::thread<void>>);
  v.join();
  EXPECT_TRUE(ran);
}

TEST_F(Runtime, JoinRethrowsTheBodysException) {
  safepoint::thread t([]() -> int { throw std::runtime_error("boom"); });
  try {
    t.join();
    FAIL() << "join did not rethrow";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "boom");
  }
  EXPECT_FALSE(t.joinable());
}

TEST_F(Runtime, TerminateEndsAVoidThreadQuietly) {
  static_assert(!std::is_base_of_v<std::exception, safepoint::thread_exit>);
  std::atomic<bool> swallowed{false}, unwound{false}, reached_end{false};
  std::latch started(1);
  safepoint::thread t([&] {
    SetOnDestroy mark{unwound};
    started.count_down();
    try {
      poll_until_interrupted();
    } catch (std::exception &) {
      swallowed = true;
    }
    reached_end = true;
  });
  started.wait();
  EXPECT_TRUE(t.terminate());
  EXPECT_NO_THROW(t.join());
  EXPECT_TRUE(unwound);
  EXPECT_FALSE(swallowed) << "catch (std::exception&) caught thread_exit";
  EXPECT_FALSE(reached_end) << "thread_exit was not delivered";
  EXPECT_FALSE(t.handle().alive());
}

TEST_F(Runtime, TerminateMakesNonVoidJoinThrowThreadTerminated) {
  std::latch started(1);
  safepoint::thread t([&] {
    started.count_down();
    poll_until_interrupted();
    return 5;
  });
  started.wait();
  EXPECT_TRUE(safepoint::terminate(t.handle()));
  EXPECT_THROW(t.join(), safepoint::thread_terminated);
  static_assert(
      std::is_base_of_v<std::runtime_error, safepoint::thread_terminated>);
  EXPECT_FALSE(t.joinable());
}

TEST_F(Runtime, SelfTerminateEndsTheThread) {
  std::atomic<bool> reached_end{false};
  safepoint::thread t([&] {
    EXPECT_TRUE(safepoint::terminate(safepoint::this_thread::handle()));
    safepoint::poll();
    reached_end = true;
  });
  t.join();
  EXPECT_FALSE(reached_end);
}

TEST_F(Runtime, WaitForAndJoinForTimeOutThenSucceed) {
  std::atomic<bool> release{false};
  safepoint::thread t([&] {
    while (!release.load())
      std::this_thread::yield();
    return 42;
  });
  EXPECT_FALSE(t.wait_for(20ms));
  EXPECT_FALSE(t.wait_until(std::chrono::steady_clock::now() + 10ms));
  EXPECT_FALSE(t.wait_until(std::chrono::system_clock::now() + 10ms));
  std::optional<int> early = t.join_for(10ms);
  EXPECT_FALSE(early.has_value());
  EXPECT_TRUE(t.joinable());

  release = true;
  EXPECT_TRUE(t.wait_for(kGuard));
  EXPECT_TRUE(t.wait_for(0ms)) << "wait_for must not consume";
  EXPECT_TRUE(t.joinable());
  std::optional<int> r = t.join_for(kGuard);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 42);
  EXPECT_FALSE(t.joinable());
}

TEST_F(Runtime, JoinForVoidAndJoinForRethrows) {
  std::atomic<bool> release{false};
  safepoint::thread v([&] {
    while (!release.load())
      std::this_thread::yield();
  });
  EXPECT_FALSE(v.join_for(10ms));
  release = true;
  EXPECT_TRUE(v.join_for(kGuard));
  EXPECT_FALSE(v.joinable());

  safepoint::thread<int> e([]() -> int { throw std::logic_error("late"); });
  EXPECT_THROW(e.join_for(kGuard), std::logic_error);
  EXPECT_FALSE(e.joinable());

  std::latch started(1);
  safepoint::thread<int> k([&] {
    started.count_down();
    poll_until_interrupted();
    return 1;
  });
  started.wait();
  k.terminate();
  EXPECT_THROW(k.join_for(kGuard), safepoint::thread_terminated);
}

TEST_F(Runtime, JoinErrors) {
  safepoint::thread<void> empty;
  EXPECT_FALSE(empty.joinable());
  EXPECT_EQ(empty.get_id(), std::thread::id());
  EXPECT_EQ(system_error_of([&] { empty.join(); }),
            std::errc::invalid_argument);
  EXPECT_EQ(system_error_of([&] { (void)empty.wait_for(1ms); }),
            std::errc::invalid_argument);
  EXPECT_EQ(system_error_of([&] { (void)empty.join_for(1ms); }),
            std::errc::invalid_argument);

  safepoint::thread t([] {});
  t.join();
  EXPECT_EQ(system_error_of([&] { t.join(); }), std::errc::invalid_argument);

  std::atomic<safepoint::thread<int> *> self{nullptr};
  safepoint::thread<int> s([&] {
    safepoint::thread<int> *me;
    while (!(me = self.load()))
      std::this_thread::yield();
    int result = 0;
    if (system_error_of([&] { me->join(); }) ==
        std::errc::resource_deadlock_would_occur)
      result += 1;
    if (system_error_of([&] { (void)me->join_for(1ms); }) ==
        std::errc::resource_deadlock_would_occur)
      result += 2;
    return result;
  });
  self = &s;
  EXPECT_EQ(s.join(), 3);
}

TEST_F(Runtime, DestructorTerminatesAndJoinsARunningThread) {
  std::atomic<bool> unwound{false}, reached_end{false};
  std::latch started(1);
  {
    safepoint::thread t([&] {
      SetOnDestroy mark{unwound};
      started.count_down();
      poll_until_interrupted();
      reached_end = true;
      return 1;
    });
    started.wait();
  } // ~thread: terminate() + join
  EXPECT_TRUE(unwound) << "destructor returned before the thread ended";
  EXPECT_FALSE(reached_end) << "destructor did not terminate the thread";

  // A thread that ended with an exception: the destructor discards it.
  {
    safepoint::thread t([]() -> int { throw std::runtime_error("ignored"); });
    EXPECT_TRUE(t.wait_for(kGuard));
  }
}

TEST_F(Runtime, MoveTransfersOwnershipAndMoveAssignStopsTheOldThread) {
  safepoint::thread a([] { return 3; });
  const auto id = a.get_id();
  const safepoint::handle h = a.handle();
  safepoint::thread b(std::move(a));
  EXPECT_FALSE(a.joinable());
  EXPECT_FALSE(a.handle());
  EXPECT_EQ(b.get_id(), id);
  EXPECT_EQ(b.handle(), h);
  EXPECT_EQ(b.join(), 3);

  std::atomic<bool> unwound{false};
  std::latch started(1);
  safepoint::thread c([&] {
    SetOnDestroy mark{unwound};
    started.count_down();
    poll_until_interrupted();
    return 0;
  });
  started.wait();
  c = safepoint::thread([] { return 9; });
  EXPECT_TRUE(unwound) << "move assignment did not stop the old thread";
  EXPECT_EQ(c.join(), 9);
}

TEST_F(Runtime, InterruptSentRightAfterConstructionIsDelivered) {
  for (int i = 0; i < 50; ++i) {
    std::atomic<bool> go{false};
    safepoint::thread t([&] {
      // No poll before `go`: the interrupt is sent before the body's first
      // safepoint, usually before the OS thread has even started.
      while (!go.load())
        std::this_thread::yield();
      return poll_seq();
    });
    EXPECT_TRUE(t.handle().alive());
    EXPECT_TRUE(t.interrupt(Seq{i}));
    go = true;
    EXPECT_EQ(t.join(), i);
  }
}

TEST_F(Runtime, InterruptsQueuedWhenTheBodyReturnsAreDropped) {
  Tracked::live = 0;
  std::latch masked(1);
  std::atomic<bool> go{false};
  safepoint::thread t([&] {
    safepoint::no_interrupts mask;
    masked.count_down();
    while (!go.load())
      std::this_thread::yield();
    safepoint::poll(); // deferred
    return 5;
  });
  masked.wait();
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(t.interrupt(Tracked{}));
  EXPECT_EQ(Tracked::live, 3);
  go = true;
  EXPECT_EQ(t.join(), 5);
  EXPECT_EQ(Tracked::live, 0);
}

TEST_F(Runtime, NoWakeupLostWhenSendingRacesWithClearing) {
  // Bursts of interrupts against a thread that polls in a tight loop: a send
  // that lands while the target clears its pending word must still set it.
  // The burst's last interrupt has no successor to set the word again, so a
  // lost wakeup leaves it queued forever and the wait below times out.
  constexpr int kRounds = 300000;
  const auto budget = std::chrono::steady_clock::now() + 2s;
  std::atomic<int> delivered{0};
  std::atomic<bool> stop{false};
  std::latch started(1);
  safepoint::thread t([&] {
    started.count_down();
    for (unsigned idle = 0; !stop.load(std::memory_order_relaxed);) {
      try {
        safepoint::poll();
        if (++idle % 128 == 0)
          std::this_thread::yield(); // let a sender on this core run
      } catch (const Seq &) {
        delivered.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  started.wait();
  int sent = 0, lost_round = -1, rounds = 0;
  for (; rounds < kRounds && lost_round < 0; ++rounds) {
    if (std::chrono::steady_clock::now() > budget)
      break;
    const int round = rounds;
    for (int i = round % 3; i >= 0; --i)
      sent += t.interrupt(Seq{sent});
    const auto limit = std::chrono::steady_clock::now() + 5s;
    for (unsigned spin = 0;
         delivered.load(std::memory_order_relaxed) != sent;) {
      if (++spin % 128 != 0)
        continue;
      if (std::chrono::steady_clock::now() > limit) {
        lost_round = round;
        break;
      }
      std::this_thread::yield();
    }
  }
  stop = true;
  t.join();
  EXPECT_EQ(lost_round, -1) << "interrupt never delivered; pending word lost";
  EXPECT_EQ(delivered.load(), sent);
  EXPECT_GT(rounds, 100);
  std::cout << rounds << " rounds\n";
}

//===----------------------------------------------------------------------===//
// Handles and registration
//===----------------------------------------------------------------------===//

TEST_F(Runtime, HandleOfMainThread) {
  const safepoint::handle a = safepoint::this_thread::handle();
  const safepoint::handle b = safepoint::this_thread::handle();
  EXPECT_TRUE(a);
  EXPECT_EQ(a, b);
  EXPECT_TRUE(a.alive());
  EXPECT_EQ(a.id(), std::this_thread::get_id());
  EXPECT_EQ(std::hash<safepoint::handle>()(a),
            std::hash<safepoint::handle>()(b));
  EXPECT_NE(a, safepoint::handle());
}

TEST_F(Runtime, HandleOfStdThreadReceivesInterrupts) {
  std::promise<safepoint::handle> handle_promise;
  Timeout got{"not delivered", -1};
  std::thread th([&] {
    handle_promise.set_value(safepoint::this_thread::handle());
    try {
      poll_until_interrupted();
    } catch (const Timeout &t) {
      got = t;
    }
  });
  const safepoint::handle h = handle_promise.get_future().get();
  EXPECT_EQ(h.id(), th.get_id());
  EXPECT_TRUE(h.alive());
  EXPECT_NE(h, safepoint::this_thread::handle());
  EXPECT_TRUE(safepoint::interrupt(h, Timeout{"std", 1}));
  th.join();
  EXPECT_EQ(got.what, "std");
  EXPECT_EQ(got.seconds, 1);
  EXPECT_FALSE(h.alive());
}

TEST_F(Runtime, SafepointThreadHandleMatchesThisThreadHandle) {
  std::latch go(1);
  safepoint::thread t([&] {
    go.wait();
    return safepoint::this_thread::handle();
  });
  const safepoint::handle outside = t.handle();
  const std::thread::id id = t.get_id();
  go.count_down();
  const safepoint::handle inside = t.join();
  EXPECT_EQ(inside, outside);
  EXPECT_EQ(outside.id(), id);
}

TEST_F(Runtime, UnregisteredThreadPollsHarmlessly) {
  bool pending = true, deferred = true, threw = false;
  uint32_t word = 1;
  std::thread th([&] {
    try {
      safepoint::poll();
      __safepoint_poll_slow();
      __safepoint_poll_marker(SAFEPOINT_SITE_ENTRY);
    } catch (...) {
      threw = true;
    }
    pending = safepoint::interrupt_pending();
    deferred = safepoint::interrupts_deferred();
    word = __safepoint_pending;
  });
  th.join();
  EXPECT_FALSE(threw);
  EXPECT_FALSE(pending);
  EXPECT_FALSE(deferred);
  EXPECT_EQ(word, 0u);
}

// A thread_local constructed before registration is destroyed after the
// runtime's exit protocol; calling handle() there must not re-register.
struct LateHandleUser {
  static inline bool nonempty = false, alive = true, interrupted = true;
  static inline bool same_id = false;
  ~LateHandleUser() {
    const safepoint::handle h = safepoint::this_thread::handle();
    nonempty = static_cast<bool>(h);
    alive = h.alive();
    same_id = h.id() == std::this_thread::get_id();
    interrupted = safepoint::interrupt(h, Seq{1});
  }
};

TEST_F(Runtime, HandleDuringLateThreadExitIsNotAlive) {
  std::thread th([] {
    thread_local LateHandleUser user;
    (void)&user;
    (void)safepoint::this_thread::handle();
  });
  th.join();
  EXPECT_TRUE(LateHandleUser::nonempty);
  EXPECT_FALSE(LateHandleUser::alive);
  EXPECT_TRUE(LateHandleUser::same_id);
  EXPECT_FALSE(LateHandleUser::interrupted);
}

//===----------------------------------------------------------------------===//
// Masks and deferral
//===----------------------------------------------------------------------===//

TEST_F(Runtime, SelfInterruptIsDeliveredAtTheNextPoll) {
  const safepoint::handle self = safepoint::this_thread::handle();
  EXPECT_FALSE(safepoint::interrupt_pending());
  EXPECT_EQ(__safepoint_pending, 0u);
  EXPECT_TRUE(safepoint::interrupt(self, Seq{5}));
  EXPECT_TRUE(safepoint::interrupt_pending());
  EXPECT_NE(__safepoint_pending, 0u);
  EXPECT_EQ(poll_seq(), 5);
  EXPECT_EQ(__safepoint_pending, 0u);
  EXPECT_FALSE(safepoint::interrupt_pending());
  EXPECT_EQ(poll_seq(), -1);
}

TEST_F(Runtime, NoInterruptsNestsAndInterruptsEnabledReenables) {
  const safepoint::handle self = safepoint::this_thread::handle();
  EXPECT_FALSE(safepoint::interrupts_deferred());
  {
    safepoint::no_interrupts outer;
    EXPECT_TRUE(safepoint::interrupts_deferred());
    ASSERT_TRUE(safepoint::interrupt(self, Seq{1}));
    EXPECT_TRUE(safepoint::interrupt_pending());
    EXPECT_EQ(poll_seq(), -1);
    {
      safepoint::no_interrupts inner;
      EXPECT_EQ(poll_seq(), -1);
    }
    EXPECT_TRUE(safepoint::interrupts_deferred()) << "outer mask ended early";
    EXPECT_EQ(poll_seq(), -1);
    {
      safepoint::interrupts_enabled enabled;
      EXPECT_FALSE(safepoint::interrupts_deferred());
      EXPECT_EQ(poll_seq(), 1);
      {
        safepoint::no_interrupts again;
        ASSERT_TRUE(safepoint::interrupt(self, Seq{2}));
        EXPECT_EQ(poll_seq(), -1);
      }
      EXPECT_FALSE(safepoint::interrupts_deferred());
      EXPECT_EQ(poll_seq(), 2);
    }
    EXPECT_TRUE(safepoint::interrupts_deferred()) << "mask not restored";
    ASSERT_TRUE(safepoint::interrupt(self, Seq{3}));
    EXPECT_EQ(poll_seq(), -1);
  }
  EXPECT_FALSE(safepoint::interrupts_deferred());
  EXPECT_EQ(poll_seq(), 3);

  // Unwinding through the guards restores the depths.
  ASSERT_TRUE(safepoint::interrupt(self, Seq{4}));
  int got = -1;
  try {
    safepoint::no_interrupts mask;
    safepoint::interrupts_enabled enabled;
    safepoint::poll();
  } catch (const Seq &s) {
    got = s.n;
  }
  EXPECT_EQ(got, 4);
  EXPECT_FALSE(safepoint::interrupts_deferred());
}

TEST_F(Runtime, MaskedInterruptsAreDeliveredInOrderOnePerPoll) {
  constexpr int kCount = 64;
  const safepoint::handle self = safepoint::this_thread::handle();
  std::atomic<int> queued{0};
  std::vector<int> early;
  {
    safepoint::no_interrupts mask;
    std::thread sender([&] {
      for (int i = 0; i < kCount; ++i)
        queued += safepoint::interrupt(self, Seq{i});
    });
    sender.join();
    for (int i = 0; i < 2 * kCount; ++i)
      if (int n = poll_seq(); n != -1)
        early.push_back(n);
    EXPECT_TRUE(safepoint::interrupt_pending());
  } // must not deliver
  EXPECT_TRUE(early.empty()) << "delivered while masked";
  EXPECT_EQ(queued, kCount);

  std::vector<int> got;
  for (int i = 0; i < kCount; ++i) {
    EXPECT_NE(__safepoint_pending, 0u)
        << "pending word clear with " << kCount - i << " queued";
    const int n = poll_seq();
    EXPECT_NE(n, -1) << "poll " << i << " delivered nothing";
    got.push_back(n);
  }
  EXPECT_EQ(poll_seq(), -1) << "more deliveries than sends";
  EXPECT_EQ(__safepoint_pending, 0u);
  std::vector<int> expected(kCount);
  for (int i = 0; i < kCount; ++i)
    expected[i] = i;
  EXPECT_EQ(got, expected);
}

TEST_F(Runtime, ConcurrentSendersKeepPerSenderOrder) {
  constexpr int kSenders = 4, kEach = 200;
  const safepoint::handle self = safepoint::this_thread::handle();
  std::latch start(kSenders + 1);
  std::vector<std::thread> senders;
  {
    safepoint::no_interrupts mask;
    for (int s = 0; s < kSenders; ++s)
      senders.emplace_back([&, s] {
        start.arrive_and_wait();
        for (int i = 0; i < kEach; ++i)
          EXPECT_TRUE(safepoint::interrupt(self, Seq{s * kEach + i}));
      });
    start.arrive_and_wait();
    for (auto &t : senders)
      t.join();
  }
  std::vector<int> next(kSenders, 0);
  int total = 0;
  for (int n; (n = poll_seq()) != -1; ++total) {
    const int s = n / kEach, i = n % kEach;
    EXPECT_EQ(i, next[s]) << "sender " << s << " out of order";
    next[s] = i + 1;
  }
  EXPECT_EQ(total, kSenders * kEach);
}

TEST_F(Runtime, DeferredWhileCompilerMaskDepthIsPositive) {
  const safepoint::handle self = safepoint::this_thread::handle();
  ASSERT_TRUE(safepoint::interrupt(self, Seq{1}));
  {
    AbiMask mask;
    EXPECT_TRUE(safepoint::interrupts_deferred());
    EXPECT_EQ(poll_seq(), -1);
    EXPECT_NO_THROW(__safepoint_poll_marker(SAFEPOINT_SITE_LOOP));
    EXPECT_NO_THROW(__safepoint_poll_slow());
    {
      safepoint::interrupts_enabled enabled; // does not lift compiler masks
      EXPECT_TRUE(safepoint::interrupts_deferred());
      EXPECT_EQ(poll_seq(), -1);
    }
    EXPECT_NE(__safepoint_pending, 0u) << "pending word cleared while masked";
  }
  EXPECT_EQ(poll_seq(), 1);
}

TEST_F(Runtime, DeferredWhileUnwinding) {
  struct PollingDestructor {
    bool &deferred, &threw;
    ~PollingDestructor() {
      deferred = safepoint::interrupts_deferred();
      try {
        safepoint::poll();
      } catch (...) {
        threw = true;
      }
    }
  };
  const safepoint::handle self = safepoint::this_thread::handle();
  ASSERT_TRUE(safepoint::interrupt(self, Seq{7}));
  bool deferred = false, threw = false, caught = false;
  try {
    PollingDestructor d{deferred, threw};
    throw std::runtime_error("unwind");
  } catch (const std::runtime_error &) {
    caught = true;
  }
  EXPECT_TRUE(caught);
  EXPECT_TRUE(deferred);
  EXPECT_FALSE(threw) << "poll threw during unwinding";
  EXPECT_TRUE(safepoint::interrupt_pending());
  EXPECT_EQ(poll_seq(), 7);
}

TEST_F(Runtime, DeferredWhileACatchHandlerIsActive) {
  const safepoint::handle self = safepoint::this_thread::handle();
  ASSERT_TRUE(safepoint::interrupt(self, Seq{8}));
  bool deferred = false, threw = false;
  auto nested_poll = [&] {
    try {
      safepoint::poll();
    } catch (const Seq &) {
      threw = true;
    }
  };
  try {
    throw 1;
  } catch (int) {
    deferred = safepoint::interrupts_deferred();
    nested_poll();
    safepoint::interrupts_enabled enabled; // does not lift catch deferral
    nested_poll();
  }
  EXPECT_TRUE(deferred);
  EXPECT_FALSE(threw) << "poll threw inside a catch handler";
  EXPECT_TRUE(safepoint::interrupt_pending());
  EXPECT_EQ(poll_seq(), 8);
}

//===----------------------------------------------------------------------===//
// ABI entry points
//===----------------------------------------------------------------------===//

TEST_F(Runtime, AbiEntryPoints) {
  EXPECT_EQ(__safepoint_abi_v1, static_cast<uint32_t>(SAFEPOINT_ABI_VERSION));
  EXPECT_NO_THROW(__safepoint_mask_marker());
  EXPECT_NO_THROW(__safepoint_poll_slow()); // nothing queued
  EXPECT_NO_THROW(__safepoint_poll_marker(SAFEPOINT_SITE_GOTO));

  const safepoint::handle self = safepoint::this_thread::handle();
  ASSERT_TRUE(safepoint::interrupt(self, Seq{1}));
  ASSERT_TRUE(safepoint::interrupt(self, Seq{2}));
  EXPECT_EQ(
      seq_thrown_by([] { __safepoint_poll_marker(SAFEPOINT_SITE_ENTRY); }), 1);
  EXPECT_NE(__safepoint_pending, 0u) << "one more is queued";
  EXPECT_EQ(seq_thrown_by(__safepoint_poll_slow), 2);
  EXPECT_EQ(__safepoint_pending, 0u);
}

// The split slow path: the check never throws, says whether an exception
// was taken, and the raise throws exactly that one.
TEST_F(Runtime, SplitSlowPath) {
  EXPECT_EQ(__safepoint_poll_check_preserve(), 0); // nothing queued
  const safepoint::handle self = safepoint::this_thread::handle();
  ASSERT_TRUE(safepoint::interrupt(self, Seq{1}));
  ASSERT_TRUE(safepoint::interrupt(self, Seq{2}));
  ASSERT_EQ(__safepoint_poll_check_preserve(), 1);
  EXPECT_NE(__safepoint_pending, 0u) << "one more is queued";
  EXPECT_EQ(seq_thrown_by(__safepoint_poll_raise), 1);
  {
    // Deferred (here: in a masked scope): nothing taken, nothing lost.
    safepoint::no_interrupts mask;
    EXPECT_EQ(__safepoint_poll_check_preserve(), 0);
  }
  ASSERT_EQ(__safepoint_poll_check_preserve(), 1);
  EXPECT_EQ(__safepoint_pending, 0u);
  EXPECT_EQ(seq_thrown_by(__safepoint_poll_raise), 2);
}

// A handler's own exception is taken by the check, in place of the
// interrupt it handled; a handler that resumes leaves nothing to raise.
TEST_F(Runtime, SplitSlowPathHandlers) {
  const safepoint::handle self = safepoint::this_thread::handle();
  auto h = safepoint::on_interrupt<Seq>([](Seq &s) {
    if (s.n == 7)
      throw std::runtime_error("from the handler");
    errno = EBADF;
  });
  ASSERT_TRUE(safepoint::interrupt(self, Seq{1}));
  errno = 4242;
  EXPECT_EQ(__safepoint_poll_check_preserve(), 0) << "the handler resumed";
  const int after = errno;
  EXPECT_EQ(after, 4242) << "the check that returns keeps errno";
  ASSERT_TRUE(safepoint::interrupt(self, Seq{7}));
  ASSERT_EQ(__safepoint_poll_check_preserve(), 1);
  EXPECT_THROW(__safepoint_poll_raise(), std::runtime_error);
}

// Calling the raise without a check that took an exception is a misuse of
// the ABI: a message naming docs/abi.md, then abort.
TEST(RuntimeDeathTest, RaiseWithoutCheck) {
  EXPECT_DEATH(__safepoint_poll_raise(),
               "__safepoint_poll_raise called without an exception");
}

// The slow path throws with nothing of its own left alive: the exception
// object lives exactly until the end of the catch that takes it (no
// reference kept by the runtime, none leaked), whichever entry point threw.
TEST_F(Runtime, ThrownInterruptDiesAtTheEndOfItsCatch) {
  const safepoint::handle self = safepoint::this_thread::handle();
  const std::function<void()> entries[] = {
      [] { safepoint::poll(); }, [] { __safepoint_poll_slow(); },
      [] { __safepoint_poll_marker(SAFEPOINT_SITE_ENTRY); },
      [] {
        if (__safepoint_poll_check_preserve())
          __safepoint_poll_raise();
      }};
  for (const auto &entry : entries) {
    Tracked::live = 0;
    ASSERT_TRUE(safepoint::interrupt(self, Tracked{}));
    EXPECT_EQ(Tracked::live, 1);
    int live_in_catch = -1;
    try {
      entry();
    } catch (const Tracked &) {
      live_in_catch = Tracked::live;
    }
    EXPECT_EQ(live_in_catch, 1);
    EXPECT_EQ(Tracked::live, 0) << "the runtime kept the exception alive";
  }
  // Also for an exception_ptr the sender still holds: the runtime's
  // reference is gone, the sender's remains.
  Tracked::live = 0;
  std::exception_ptr mine = std::make_exception_ptr(Tracked{});
  ASSERT_TRUE(safepoint::interrupt(self, mine));
  EXPECT_THROW(safepoint::poll(), Tracked);
  EXPECT_EQ(Tracked::live, 1);
  mine = nullptr;
  EXPECT_EQ(Tracked::live, 0);
}

} // namespace
