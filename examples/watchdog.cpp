// The watchdog demo: a planner gets 200 ms. A watchdog alarm interrupts it,
// the exception unwinds through every frame of the search (each frame's
// destructor prints as it runs), and the watchdog's receipt says when and
// at which poll the interrupt landed. Inside the planner, a nested
// move_on_after scope abandons a refinement step silently when its own
// 20 ms run out, and the commit step is [[no_interrupts]]: the watchdog
// sees the interrupt queued there and the reason, then delivered after it.
//
// Build and run: examples/run-demo.sh builds it; then
// build/bin/safepoint-watchdog

#include <safepoint/deadline.hpp>
#include <safepoint/safepoint.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

struct Timeout {
  std::string what;
  std::chrono::milliseconds budget;
};

static std::mutex log_mutex;
static std::vector<std::string> cleanup_log;

/// A frame of the search: says when its destructor runs.
struct Frame {
  std::string name;
  explicit Frame(std::string n) : name(std::move(n)) {}
  ~Frame() {
    std::lock_guard lock(log_mutex);
    cleanup_log.push_back(name);
  }
};

static std::atomic<bool> committing{false}, may_commit{false};

long score(unsigned long x) {
  for (int i = 0; i < 64; ++i) // an instrumented loop: polls
    x = x * 6364136223846793005UL + 1442695040888963407UL;
  return long(x >> 40);
}

// Committing must not be torn: no poll in here, and interrupts wait (also
// at the polls of the functions it calls).
SAFEPOINT_NO_INTERRUPTS static void commit(long &best, long candidate) {
  committing = true;
  long checksum = 0;
  while (!may_commit.load()) // the watchdog looks at us meanwhile
    checksum += score(std::uint64_t(candidate));
  best = candidate + (checksum & 0);
  committing = false;
}

long search(int depth, unsigned long seed) {
  Frame f("search depth " + std::to_string(depth));
  if (depth == 0) {
    long best = 0;
    for (unsigned long i = 0;; ++i) // runs until interrupted
      best = std::max(best, score(seed + i));
  }
  return search(depth - 1, seed * 31 + depth);
}

static long plan() {
  Frame f("plan");
  long best = 0;
  // Refinement gets 20 ms; when they run out it is abandoned silently.
  auto refined = safepoint::move_on_after(20ms, [&] {
    Frame r("refine (own 20 ms deadline)");
    return search(2, 7);
  });
  std::printf("planner: refinement %s; committing\n",
              refined ? "finished" : "abandoned after 20 ms");
  commit(best, refined.value_or(1));
  return search(4, 42) + best; // runs until the watchdog fires
}

int main() {
  safepoint::debug::record_delivery_sites(true);
  auto start = clk::now();
  safepoint::thread planner(plan);

  // The watchdog: 200 ms for the whole plan.
  safepoint::delivery alarm = safepoint::interrupt_after(
      planner.handle(), 200ms, Timeout{"plan", 200ms});

  // The alarm may fire while the planner commits (masked): look.
  while (!committing.load())
    std::this_thread::yield();
  std::printf("watchdog: planner is committing; an interrupt sent now: %s\n",
              [&] {
                auto probe = safepoint::interrupt(
                    planner.handle(), Timeout{"probe", 0ms}, safepoint::track);
                std::string why = probe.explain().describe();
                probe.cancel(); // only looking
                return why;
              }()
                  .c_str());
  may_commit = true;

  try {
    planner.join();
    std::printf("planner finished (unexpected)\n");
    return 1;
  } catch (const Timeout &t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clk::now() -
                                                                    start)
                  .count();
    std::printf("watchdog: caught Timeout{\"%s\", %lld ms} after %lld ms\n",
                t.what.c_str(), (long long)t.budget.count(), (long long)ms);
  }
  std::printf("watchdog: alarm %s at %s\n",
              alarm.status() == safepoint::delivery_status::delivered
                  ? "delivered"
                  : "NOT delivered",
              alarm.site().c_str());
  std::printf("destructors that ran, in order:\n");
  for (const std::string &name : cleanup_log)
    std::printf("  ~Frame  %s\n", name.c_str());
  return alarm.status() == safepoint::delivery_status::delivered ? 0 : 1;
}
