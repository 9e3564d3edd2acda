// Nested loops: a dense matrix product (i-k-j order, the inner loop
// vectorizes) and a 5-point stencil over a 2-D grid.
#include "common.hpp"

constexpr int N = 96;
constexpr int G = 256;
static std::vector<double> A, B, C;
static std::vector<float> grid, next_grid;

static void setup() {
  bench::rng r(4);
  A.resize(N * N);
  B.resize(N * N);
  for (int i = 0; i < N * N; ++i) {
    A[i] = static_cast<double>(r.below(100)) / 50.0;
    B[i] = static_cast<double>(r.below(100)) / 50.0;
  }
  grid.assign(G * G, 0.0f);
  for (int i = 0; i < G * G; ++i)
    grid[i] = static_cast<float>(r.below(100));
}

__attribute__((noinline)) static void matmul() {
  C.assign(N * N, 0.0);
  for (int i = 0; i < N; ++i)
    for (int k = 0; k < N; ++k) {
      double aik = A[i * N + k];
      for (int j = 0; j < N; ++j)
        C[i * N + j] += aik * B[k * N + j];
    }
}

__attribute__((noinline)) static void stencil(const float *__restrict in,
                                              float *__restrict out) {
  for (int y = 1; y < G - 1; ++y)
    for (int x = 1; x < G - 1; ++x)
      out[y * G + x] = 0.2f * (in[y * G + x] + in[(y - 1) * G + x] +
                               in[(y + 1) * G + x] + in[y * G + x - 1] +
                               in[y * G + x + 1]);
}

static std::uint64_t run() {
  double acc = 0;
  for (int rep = 0; rep < 200; ++rep) {
    matmul();
    acc += C[static_cast<std::size_t>(rep * 7) % C.size()];
  }
  std::vector<float> g = grid, h(G * G, 0.0f);
  for (int rep = 0; rep < 1000; ++rep) {
    stencil(g.data(), h.data());
    std::swap(g, h);
  }
  acc += g[G * G / 2 + G / 2];
  return static_cast<std::uint64_t>(acc);
}

BENCH_KERNEL("nested", setup, run)
