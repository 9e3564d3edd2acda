// saxpy (y = a*x + y) over floats: the textbook vectorizable loop.
#include "common.hpp"

static std::vector<float> x, y, y0;

static void setup() {
  bench::rng r(2);
  x.resize(1 << 13);
  y0.resize(1 << 13);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(r.below(1000)) / 1000.0f;
    y0[i] = static_cast<float>(r.below(1000)) / 1000.0f;
  }
}

__attribute__((noinline)) static void saxpy(float alpha, const float *__restrict xs,
                                            float *__restrict ys, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    ys[i] = alpha * xs[i] + ys[i];
}

static std::uint64_t run() {
  y = y0;
  for (int rep = 0; rep < 30000; ++rep) {
    saxpy(rep & 1 ? 0.5f : -0.5f, x.data(), y.data(), y.size());
    bench::keep(y);
  }
  double s = 0;
  for (float v : y)
    s += v;
  return static_cast<std::uint64_t>(s * 1000);
}

BENCH_KERNEL("saxpy", setup, run)
