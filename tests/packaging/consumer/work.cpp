// Instrumented library code that knows nothing of Safepoint: compiled as
// C++17, without the Safepoint header. Its loop polls.
#include <atomic>
#include <string>
#include <vector>

std::atomic<bool> work_started{false};
std::atomic<int> work_buffers_alive{0};

struct Buffer {
  std::vector<std::string> lines;
  Buffer() { ++work_buffers_alive; }
  ~Buffer() { --work_buffers_alive; }
};

unsigned long endless_work(unsigned long x) {
  Buffer b;
  for (;;) {
    x = x * 6364136223846793005ul + 1442695040888963407ul;
    if (b.lines.size() < 64)
      b.lines.push_back(std::to_string(x));
    work_started.store(true, std::memory_order_release);
    if (x == 42) // never: keeps the loop alive
      return x;
  }
}
