// Call-heavy code made of tiny functions the optimizer inlines (accessors,
// small arithmetic helpers): each inlined call brings its entry poll along.
#include "common.hpp"

namespace {
struct point {
  int x, y;
  int get_x() const { return x; }
  int get_y() const { return y; }
};
int sq(int v) { return v * v; }
int dist2(const point &a, const point &b) {
  return sq(a.get_x() - b.get_x()) + sq(a.get_y() - b.get_y());
}
int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
} // namespace

static std::vector<point> pts;

static void setup() {
  bench::rng r(6);
  pts.resize(1 << 12);
  for (point &p : pts)
    p = {static_cast<int>(r.below(1000)), static_cast<int>(r.below(1000))};
}

static std::uint64_t run() {
  std::uint64_t acc = 0;
  for (int rep = 0; rep < 16000; ++rep) {
    const point origin{rep % 100, rep % 37};
    for (const point &p : pts)
      acc += static_cast<std::uint64_t>(clamp(dist2(p, origin), 0, 250000));
  }
  return acc;
}

BENCH_KERNEL("calls_inline", setup, run)
