// Interrupting snappy::Compress on a large buffer.
//
// snappy is compiled with -fno-exceptions; the Safepoint plugin still gives
// it unwind tables and cleanups, so the interrupt unwinds through
// snappy::Compress and its RAII scratch memory (WorkingMemory) is freed:
// LeakSanitizer reports nothing. The next call works as usual.
#include "../interrupt_example.h"

#include <snappy.h>

#include <string>

static std::string make_input(size_t size) {
  // Compressible text: words from a small dictionary, pseudo-random order.
  static const char *words[] = {"safepoint ", "interrupt ", "snappy ",
                                "compress ", "thread ", "unwind ", "poll ",
                                "cleanup "};
  std::string s;
  s.reserve(size + 16);
  unsigned long x = 88172645463325252ul;
  while (s.size() < size) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s += words[x % 8];
  }
  return s;
}

int main() {
  const std::string input = make_input(size_t(256) << 20); // 256 MiB
  std::string compressed;

  // 1. A compression that takes seconds, interrupted after 400 ms (past
  //    std::string::resize of the output, which has no poll).
  bool interrupted = example::interrupt_long_call(
      "snappy::Compress(256 MiB)",
      [&] { snappy::Compress(input.data(), input.size(), &compressed); },
      std::chrono::milliseconds(400));
  EXAMPLE_CHECK(interrupted);

  // 2. The library keeps working: compress and uncompress a fresh buffer.
  const std::string small = make_input(size_t(4) << 20);
  std::string c2, back;
  auto t0 = example::clock::now();
  snappy::Compress(small.data(), small.size(), &c2);
  EXAMPLE_CHECK(snappy::Uncompress(c2.data(), c2.size(), &back));
  EXAMPLE_CHECK(back == small);
  std::printf("snappy: next call round-trips 4 MiB (%zu bytes compressed) in "
              "%.0f ms\n", c2.size(), example::ms_since(t0));
  std::puts("interrupt example: passed");
}
