// Handshakes, handlers and the stop_token bridge on one worker:
//  - run_on samples the worker's progress from inside it (a handshake: the
//    lambda runs on the worker at its next poll and returns through a future);
//  - an on_interrupt handler turns a Checkpoint interrupt into a saved
//    checkpoint and resumes the computation (nothing unwinds);
//  - std::jthread's stop request becomes a Cancelled exception at the next
//    poll, so the worker's destructors run.
//
//   build/bin/safepoint-progress

#include <safepoint/handshake.hpp>
#include <safepoint/safepoint.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stop_token>
#include <thread>

struct Checkpoint {};
struct Cancelled {};

static std::atomic<bool> started{false};
static unsigned long iterations = 0; // only the worker touches it
static unsigned long checkpoint = 0;

struct Workspace {
  ~Workspace() { std::printf("worker: workspace released\n"); }
};

void compute() {
  Workspace ws;
  started = true;
  for (unsigned long x = 1;; ++iterations) // instrumented: polls
    x = x * 6364136223846793005UL + iterations;
}

int main() {
  safepoint::handle worker;
  std::atomic<bool> have_handle{false};
  int status = 1;
  {
    std::jthread t([&](std::stop_token st) {
      worker = safepoint::this_thread::handle();
      have_handle = true;
      safepoint::interrupt_on_stop on_stop(st, Cancelled{});
      auto on_checkpoint = safepoint::on_interrupt<Checkpoint>(
          [](Checkpoint &) { checkpoint = iterations; });
      try {
        compute();
      } catch (const Cancelled &) {
        std::printf("worker: cancelled after %lu iterations\n", iterations);
      }
    });
    while (!have_handle.load() || !started.load())
      std::this_thread::yield();

    unsigned long last = 0;
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      unsigned long now =
          safepoint::run_on(worker, [] { return iterations; }).get();
      std::printf("main: sampled progress %lu (%s)\n", now,
                  now > last || i == 0 ? "advancing" : "stuck");
      last = now;
    }
    auto d = safepoint::interrupt(worker, Checkpoint{}, safepoint::track);
    bool handled = d.wait() == safepoint::delivery_status::handled;
    unsigned long saved =
        safepoint::run_on(worker, [] { return checkpoint; }).get();
    std::printf("main: checkpoint %s at %lu, worker resumed\n",
                handled ? "handled" : "NOT handled", saved);
    status = handled && saved > 0 ? 0 : 1;
  } // ~jthread: request_stop() -> Cancelled in the worker, then join
  std::printf("main: done\n");
  return status;
}
