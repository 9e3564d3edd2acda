// Interrupts endless_work() (work.cpp) from the main thread; passes only if
// work.cpp was compiled with the plugin (its loop polls) and the runtime is
// linked.
#include <safepoint/safepoint.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

extern std::atomic<bool> work_started;
extern std::atomic<int> work_buffers_alive;
unsigned long endless_work(unsigned long x);

struct Stop {
  std::string why;
};

int main() {
  bool caught = false;
  safepoint::thread worker([&] {
    try {
      endless_work(7);
    } catch (Stop &s) {
      caught = s.why == "consumer";
    }
  });
  while (!work_started.load(std::memory_order_acquire))
    std::this_thread::yield();
  worker.interrupt(Stop{"consumer"});
  if (!worker.wait_for(std::chrono::seconds(30))) {
    std::fprintf(stderr, "consumer: interrupt not delivered: is work.cpp "
                         "instrumented?\n");
    std::_Exit(2);
  }
  worker.join();
  if (!caught || work_buffers_alive.load() != 0) {
    std::fprintf(stderr, "consumer: caught=%d buffers alive=%d\n", caught,
                 work_buffers_alive.load());
    return 1;
  }
  std::puts("consumer: passed");
}
