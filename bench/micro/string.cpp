// std::string heavy code: formatting, concatenation, search, comparison.
#include "common.hpp"

static std::vector<std::string> words;

static void setup() {
  bench::rng r(11);
  static const char *const syll[] = {"ka", "lo", "mi", "ne", "su", "ta", "ri", "po"};
  for (int i = 0; i < 4096; ++i) {
    std::string w;
    for (std::uint32_t n = 2 + r.below(5); n > 0; --n)
      w += syll[r.below(8)];
    words.push_back(w);
  }
}

static std::uint64_t run() {
  std::uint64_t acc = 0;
  for (int rep = 0; rep < 80; ++rep) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
      text += words[i];
      text += ' ';
      text += std::to_string(i * static_cast<std::size_t>(rep + 1));
      text += ',';
    }
    for (std::size_t i = 0; i < words.size(); i += 64)
      acc += text.find(words[i] + " " + std::to_string(i * static_cast<std::size_t>(rep + 1)));
    std::size_t lt = 0;
    for (std::size_t i = 1; i < words.size(); ++i)
      lt += words[i - 1] < words[i];
    acc += lt + text.size();
  }
  return acc;
}

BENCH_KERNEL("string", setup, run)
