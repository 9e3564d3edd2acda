// Deadlines, handlers and handshakes at compiler-inserted polls: the code
// under test has no explicit poll. A handler resumes an instrumented loop
// (it goes on counting), deadline scopes end instrumented loops with every
// destructor run and only the expired scope catching, a handshake runs in a
// computing thread, and the delivery site names the instrumented function.
// RUN: %sp_clangxx -O0 -rdynamic %s -o %t.O0 %sp_link && %t.O0
// RUN: %sp_clangxx -O2 -rdynamic %s -o %t.O2 %sp_link && %t.O2

#include "harness.h"

#include <safepoint/deadline.hpp>
#include <safepoint/handshake.hpp>

#include <optional>
#include <string>

using namespace harness;
using namespace std::chrono_literals;

struct Progress {};

// An instrumented loop that never ends by itself.
__attribute__((noinline)) void spin_loop(int tag) {
  Tracked t(tag);
  for (unsigned long i = 0;; ++i) {
    reached();
    consume(i);
  }
}

static void handler_resumes_in_loop() {
  reset();
  std::atomic<int> progress{0};
  safepoint::thread t([&] {
    auto h = safepoint::on_interrupt<Progress>([&](Progress &) { ++progress; });
    try {
      spin_loop(1);
    } catch (const Timeout &) {
      return progress.load();
    }
    return -1;
  });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  for (int i = 0; i < 3; ++i) {
    auto d = safepoint::interrupt(t.handle(), Progress{}, safepoint::track);
    CHECK(d.wait() == safepoint::delivery_status::handled);
  }
  auto d =
      safepoint::interrupt(t.handle(), Timeout{"e2e", 3}, safepoint::track);
  CHECK(d.wait() == safepoint::delivery_status::delivered);
  CHECK(d.site().find("spin_loop") != std::string::npos);
  CHECK(t.join() == 3);
  CHECK(balanced(1));
}

static void deadline_scopes_end_loops() {
  reset();
  // The inner scope expires: only it catches; the outer one goes on.
  std::optional<int> inner;
  auto outer = safepoint::move_on_after(1h, [&] {
    Tracked a(2);
    inner = safepoint::move_on_after(1ms, [] {
      spin_loop(3);
      return 0;
    });
    return 7;
  });
  CHECK(!inner && outer && *outer == 7);
  CHECK(balanced(2) && balanced(3));

  // A throwing scope: deadline_exceeded leaves through the destructors.
  bool caught = false;
  try {
    safepoint::with_deadline(1ms, [] {
      Tracked b(4);
      spin_loop(5);
    });
  } catch (const safepoint::deadline_exceeded &) {
    caught = true;
  }
  CHECK(caught && balanced(4) && balanced(5));
}

static void handshake_in_computing_thread() {
  reset();
  __atomic_store_n(&reached_flag, false, __ATOMIC_RELAXED);
  safepoint::thread t([] { spin_loop(6); });
  while (!__atomic_load_n(&reached_flag, __ATOMIC_ACQUIRE))
    std::this_thread::yield();
  auto f =
      safepoint::run_on(t.handle(), [] { return std::this_thread::get_id(); });
  CHECK(f.wait_for(1min) == std::future_status::ready);
  CHECK(f.get() == t.get_id());
  t.terminate();
  t.join();
  CHECK(balanced(6));
}

int main() {
  safepoint::debug::record_delivery_sites(true);
  handler_resumes_in_loop();
  deadline_scopes_end_loops();
  handshake_in_computing_thread();
  std::puts("ok");
}
