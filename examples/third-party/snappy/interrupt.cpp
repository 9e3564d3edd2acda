// Interrupting snappy::Compress on a large buffer.
//
// snappy is compiled with -fno-exceptions; the Safepoint plugin still gives
// it unwind tables and cleanups, so the interrupt unwinds through
// snappy::Compress and its RAII scratch memory (internal::WorkingMemory) is
// freed: LeakSanitizer reports nothing. The next calls work as usual.
//
// The handshake: snappy compresses 64 KiB blocks and hands each to a Sink;
// ours counts them, and at the 100th block the main thread sends the
// interrupt (examples/third-party/interrupt_example.h). It is thrown at the
// first poll in snappy after Append returns, before the next block.
#include "../interrupt_example.h"

#include <snappy-sinksource.h>
#include <snappy.h>

#include <string>

static std::string make_input(size_t size) {
  // Compressible text: words from a small dictionary, pseudo-random order.
  static const char *words[] = {"safepoint ", "interrupt ", "snappy ",
                                "compress ",  "thread ",    "unwind ",
                                "poll ",      "cleanup "};
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

// Collects the compressed stream; every block passes the handshake.
class CountingSink : public snappy::Sink {
public:
  explicit CountingSink(example::Handshake *hs) : hs_(hs) {}
  void Append(const char *bytes, size_t n) override {
    out.append(bytes, n);
    ++blocks;
    if (hs_)
      hs_->reached();
  }
  std::string out;
  long blocks = 0;

private:
  example::Handshake *hs_;
};

int main() {
  const std::string input = make_input(size_t(32) << 20); // 32 MiB, 512 blocks

  // 1. Compress through a Source and a Sink, interrupted at the 100th block.
  example::Handshake hs(100);
  CountingSink sink(&hs);
  bool interrupted =
      example::interrupt_long_call("snappy::Compress(32 MiB)", hs, [&] {
        snappy::ByteArraySource source(input.data(), input.size());
        snappy::Compress(&source, &sink);
      });
  EXAMPLE_CHECK(interrupted);
  EXAMPLE_CHECK(sink.blocks == 100); // it stopped in the block after the 100th
  std::printf("snappy: stopped after %ld of 512 blocks\n", sink.blocks);

  // 2. The library keeps working: the same input, both APIs, round trip.
  auto t0 = example::clock::now();
  CountingSink again(nullptr);
  snappy::ByteArraySource source(input.data(), input.size());
  snappy::Compress(&source, &again);
  std::string compressed, back;
  snappy::Compress(input.data(), input.size(), &compressed);
  EXAMPLE_CHECK(again.out == compressed);
  EXAMPLE_CHECK(
      snappy::Uncompress(compressed.data(), compressed.size(), &back));
  EXAMPLE_CHECK(back == input);
  std::printf("snappy: next calls compress 32 MiB to %zu bytes and back in "
              "%.0f ms\n",
              compressed.size(), example::ms_since(t0));
  std::puts("interrupt example: passed");
}
