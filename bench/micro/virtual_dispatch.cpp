// Virtual dispatch over a heterogeneous array of small objects.
#include "common.hpp"
#include <memory>

namespace {
struct shape {
  virtual ~shape() = default;
  virtual double area() const = 0;
  virtual void grow(double f) = 0;
};
struct square final : shape {
  double s;
  explicit square(double v) : s(v) {}
  double area() const override { return s * s; }
  void grow(double f) override { s *= f; }
};
struct rect final : shape {
  double w, h;
  rect(double a, double b) : w(a), h(b) {}
  double area() const override { return w * h; }
  void grow(double f) override { w *= f; }
};
struct circle final : shape {
  double r;
  explicit circle(double v) : r(v) {}
  double area() const override { return 3.14159 * r * r; }
  void grow(double f) override { r *= f; }
};
struct tri final : shape {
  double b, h;
  tri(double x, double y) : b(x), h(y) {}
  double area() const override { return 0.5 * b * h; }
  void grow(double f) override { h *= f; }
};
} // namespace

static std::vector<std::unique_ptr<shape>> shapes;

static void setup() {
  bench::rng r(8);
  for (int i = 0; i < 4096; ++i) {
    double v = 1.0 + r.below(100) / 10.0;
    switch (r.below(4)) {
    case 0: shapes.push_back(std::make_unique<square>(v)); break;
    case 1: shapes.push_back(std::make_unique<rect>(v, v + 1)); break;
    case 2: shapes.push_back(std::make_unique<circle>(v)); break;
    default: shapes.push_back(std::make_unique<tri>(v, v * 2)); break;
    }
  }
}

static std::uint64_t run() {
  double total = 0;
  for (int rep = 0; rep < 2000; ++rep) {
    double f = rep & 1 ? 1.0001 : 0.9999;
    for (const auto &s : shapes) {
      s->grow(f);
      total += s->area();
    }
  }
  return static_cast<std::uint64_t>(total);
}

BENCH_KERNEL("virtual_dispatch", setup, run)
