//===- stress_test.cpp - Concurrency stress test of the Safepoint runtime -===//
//
// kSlots slots each run kGenerations workers one after another, alternating
// safepoint::thread and registered std::thread. Every worker performs
// kOpsPerWorker random operations: interrupting random workers (possibly
// already exited, possibly not yet started) and itself, masking with
// no_interrupts / interrupts_enabled / the ABI mask depth, polling inside
// catch handlers, terminating others, and polling.
//
// Each interrupt carries a unique id whose fate is recorded; at the end:
//  - interrupt() returned false  => never delivered, destroyed by the sender;
//  - interrupt() returned true   => delivered exactly once, to its target, or
//    never delivered and destroyed by the target (dropped when it exited);
//  - every exception object is destroyed exactly once (no leak, no double);
//  - per (sender, target), deliveries are exactly 1, 2, 3, ... (FIFO, none
//    lost or duplicated while the target lives);
//  - no poll inside a mask, a catch handler or while unwinding throws.
//
//===----------------------------------------------------------------------===//

#include "safepoint/abi.h"
#include "safepoint/safepoint.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#ifndef SAFEPOINT_STRESS_OPS
#define SAFEPOINT_STRESS_OPS 30000
#endif

namespace {

constexpr int kSlots = 8;
constexpr int kGenerations = 8;
constexpr int kOpsPerWorker = SAFEPOINT_STRESS_OPS;
// Sends average about one per two operations; any beyond this are skipped.
constexpr std::uint64_t kMaxIds =
    std::uint64_t{kSlots} * kGenerations * kOpsPerWorker;
static_assert(kSlots * kGenerations < 32767);

// IdRecord fields are only read after all threads were joined: relaxed (which
// also keeps ThreadSanitizer from creating a sync object per field).
constexpr auto relaxed = std::memory_order_relaxed;

/// The fate of one interrupt id (worker ids fit in 16 bits).
struct IdRecord {
  std::atomic<std::int16_t> sender{-1};
  std::atomic<std::int16_t> target{-1};
  std::atomic<std::int16_t> delivered_to{-1};
  std::atomic<std::int16_t> destroyed_on{-1};
  std::atomic<std::int8_t> send_result{-1}; // 1: interrupt() true, 0: false
  std::atomic<std::int8_t> delivered{0};
  std::atomic<std::int8_t> destroyed{0};
};

struct Shared {
  std::vector<IdRecord> ids = std::vector<IdRecord>(kMaxIds);
  std::atomic<std::uint64_t> next_id{0};
  std::atomic<int> next_worker{0};

  struct Slot {
    std::mutex mutex;
    safepoint::handle handle;
    int worker = -1;
  };
  std::array<Slot, kSlots> slots;

  std::atomic<long> masked_deliveries{0}; // polls that threw while deferred
  std::atomic<long> wrong_target{0};
  std::atomic<long> out_of_order{0};
  std::atomic<long> unexpected{0};
  std::atomic<long> lost_wakeups{0}; // queued, but the pending word stays 0
  std::atomic<long> delivered{0};
  std::atomic<long> terminations{0};
};

Shared *g_shared = nullptr;
thread_local int tl_worker = -1; // constant-initialised, no destructor

/// Owned by the payload; destroyed with the last copy of the exception.
struct Token {
  explicit Token(std::uint64_t i) : id(i) {}
  Token(const Token &) = delete;
  Token &operator=(const Token &) = delete;
  std::uint64_t id;
  ~Token() {
    IdRecord &r = g_shared->ids[id];
    r.destroyed_on.store(static_cast<std::int16_t>(tl_worker), relaxed);
    r.destroyed.fetch_add(1, relaxed);
  }
};

struct Payload {
  std::shared_ptr<Token> token;
  int sender;
  int target;
  std::uint64_t seq; // per (sender, target), from 1
};

class Worker {
public:
  Worker(Shared &shared, int slot, int id, std::uint64_t seed)
      : sh_(shared), slot_(slot), id_(id), rng_(seed) {}

  void run() {
    for (int op = 0; op < kOpsPerWorker; ++op) {
      try {
        step();
      } catch (const Payload &p) {
        delivered(p);
      }
    }
  }

private:
  void step() {
    const unsigned r = rng_() % 1000;
    if (r < 350) {
      send_random();
    } else if (r < 450) {
      send_self();
    } else if (r < 600) {
      safepoint::no_interrupts mask;
      for (unsigned i = rng_() % 3; i > 0; --i)
        send_random();
      masked_poll();
      if (rng_() % 2) {
        safepoint::no_interrupts nested;
        send_self();
        masked_poll();
      }
      masked_poll();
      if (rng_() % 3 == 0) {
        safepoint::interrupts_enabled enabled;
        safepoint::poll(); // may deliver: unwinds through the masks
      }
      masked_poll();
    } else if (r < 650) {
      ++__safepoint_mask_depth;
      struct Unmask {
        ~Unmask() { --__safepoint_mask_depth; }
      } unmask;
      send_self();
      masked_poll();
      safepoint::interrupts_enabled enabled; // does not lift the ABI mask
      masked_poll();
    } else if (r < 700) {
      try {
        throw 0;
      } catch (int) {
        masked_poll();
      }
    } else if (r < 720) {
      struct PollOnUnwind {
        Worker &w;
        ~PollOnUnwind() { w.masked_poll(); }
      };
      try {
        PollOnUnwind p{*this};
        throw 0;
      } catch (int) {
      }
    } else if (r < 730) {
      check_pending_word();
    } else if (r < 745) {
      std::this_thread::yield(); // interleave more on few cores
    } else if (r == 745) {
      if (rng_() % 100 == 0) // rare: a terminated worker ends early
        terminate_random();
    } else {
      for (unsigned i = 1 + rng_() % 3; i > 0; --i)
        safepoint::poll();
    }
  }

  /// An interrupt queued for this thread must have the pending word set (or
  /// polls would never see it), except transiently while its sender is
  /// between pushing and setting the word.
  void check_pending_word() {
    std::atomic_ref<std::uint32_t> word(__safepoint_pending);
    if (sh_.lost_wakeups.load(relaxed) != 0 || // already failed: stay fast
        !safepoint::interrupt_pending() || word.load(relaxed) != 0)
      return;
    const auto limit =
        std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (word.load(relaxed) == 0) {
      if (std::chrono::steady_clock::now() > limit) {
        ++sh_.lost_wakeups;
        return;
      }
      std::this_thread::yield();
    }
  }

  /// A poll where delivery must be deferred.
  void masked_poll() {
    if (!safepoint::interrupts_deferred())
      ++sh_.masked_deliveries;
    try {
      safepoint::poll();
    } catch (const Payload &p) {
      ++sh_.masked_deliveries;
      delivered(p);
    }
  }

  void delivered(const Payload &p) {
    IdRecord &r = sh_.ids[p.token->id];
    r.delivered.fetch_add(1, relaxed);
    r.delivered_to.store(static_cast<std::int16_t>(id_), relaxed);
    ++sh_.delivered;
    if (p.target != id_)
      ++sh_.wrong_target;
    std::uint64_t &last = last_seq_[p.sender];
    if (p.seq != last + 1)
      ++sh_.out_of_order;
    last = p.seq;
  }

  bool pick(safepoint::handle &h, int &worker) {
    Shared::Slot &s = sh_.slots[rng_() % kSlots];
    std::lock_guard lock(s.mutex);
    h = s.handle;
    worker = s.worker;
    return worker >= 0;
  }

  void send(const safepoint::handle &h, int target) {
    const std::uint64_t id = sh_.next_id.fetch_add(1);
    if (id >= kMaxIds)
      return;
    IdRecord &r = sh_.ids[id];
    r.sender.store(static_cast<std::int16_t>(id_), relaxed);
    r.target.store(static_cast<std::int16_t>(target), relaxed);
    const bool ok =
        safepoint::interrupt(h, Payload{std::make_shared<Token>(id), id_,
                                        target, ++next_seq_[target]});
    r.send_result.store(ok ? 1 : 0, relaxed);
  }

  void send_random() {
    safepoint::handle h;
    int target;
    if (pick(h, target))
      send(h, target);
  }

  void send_self() { send(safepoint::this_thread::handle(), id_); }

  void terminate_random() {
    safepoint::handle h;
    int target;
    if (pick(h, target) && target != id_ && safepoint::terminate(h))
      ++sh_.terminations;
  }

  Shared &sh_;
  [[maybe_unused]] int slot_;
  int id_;
  std::minstd_rand rng_;
  std::unordered_map<int, std::uint64_t> next_seq_; // by target
  std::unordered_map<int, std::uint64_t> last_seq_; // by sender
};

void publish(Shared &sh, int slot, const safepoint::handle &h, int worker) {
  std::lock_guard lock(sh.slots[slot].mutex);
  sh.slots[slot].handle = h;
  sh.slots[slot].worker = worker;
}

void run_slot(Shared &sh, int slot) {
  for (int g = 0; g < kGenerations; ++g) {
    const int id = sh.next_worker++;
    const std::uint64_t seed = 0x5AFE + 7919u * static_cast<unsigned>(id);
    if ((slot + g) % 2 == 0) {
      safepoint::thread t([&sh, slot, id, seed] {
        tl_worker = id;
        Worker(sh, slot, id, seed).run();
      });
      publish(sh, slot, t.handle(), id); // possibly before the body starts
      try {
        t.join(); // returns normally if terminated
      } catch (...) {
        ++sh.unexpected;
      }
    } else {
      std::thread t([&sh, slot, id, seed] {
        tl_worker = id;
        publish(sh, slot, safepoint::this_thread::handle(), id);
        try {
          Worker(sh, slot, id, seed).run();
        } catch (const safepoint::thread_exit &) {
        } catch (...) {
          ++sh.unexpected;
        }
      });
      t.join();
    }
  }
}

TEST(RuntimeStress, ConservationOfInterrupts) {
  auto shared = std::make_unique<Shared>();
  Shared &sh = *shared;
  g_shared = &sh;
  const auto start = std::chrono::steady_clock::now();

  std::vector<std::thread> managers;
  for (int s = 0; s < kSlots; ++s)
    managers.emplace_back(run_slot, std::ref(sh), s);
  for (auto &m : managers)
    m.join();

  const auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(sh.masked_deliveries, 0) << "delivery while deferred";
  EXPECT_EQ(sh.wrong_target, 0);
  EXPECT_EQ(sh.out_of_order, 0) << "FIFO broken, or an interrupt lost or "
                                   "duplicated while its target lived";
  EXPECT_EQ(sh.unexpected, 0);
  EXPECT_EQ(sh.lost_wakeups, 0) << "pending word clear with interrupts queued";

  const std::uint64_t sent = std::min(sh.next_id.load(), kMaxIds);
  long refused = 0, dropped = 0, delivered = 0, bad = 0;
  for (std::uint64_t id = 0; id < sent; ++id) {
    const IdRecord &r = sh.ids[id];
    const int result = r.send_result.load();
    const int deliveries = r.delivered.load();
    const int destroyed = r.destroyed.load();
    bool ok = destroyed == 1 && result != -1;
    if (result == 0) {
      ++refused;
      ok = ok && deliveries == 0 && r.destroyed_on.load() == r.sender.load();
    } else if (deliveries == 1) {
      ++delivered;
      ok = ok && r.delivered_to.load() == r.target.load();
    } else {
      ++dropped;
      ok = ok && deliveries == 0 && r.destroyed_on.load() == r.target.load();
    }
    if (!ok && ++bad <= 10)
      ADD_FAILURE() << "id " << id << ": sender " << r.sender.load()
                    << " target " << r.target.load() << " result " << result
                    << " delivered " << deliveries << " to "
                    << r.delivered_to.load() << " destroyed " << destroyed
                    << " on " << r.destroyed_on.load();
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(delivered, sh.delivered.load());
  EXPECT_GT(delivered, 0);

  std::cout << "workers " << sh.next_worker << ", interrupts " << sent
            << ": delivered " << delivered << ", dropped at exit " << dropped
            << ", refused (exited) " << refused << ", terminations "
            << sh.terminations << "; " << elapsed.count() << " s\n";
  g_shared = nullptr;
}

} // namespace
