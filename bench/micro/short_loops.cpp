// Short inner loops with trip counts unknown at compile time: sparse
// matrix-vector product in CSR form, 0..7 non-zeros per row. A poll per
// back-edge is paid per element, with little work to hide it behind.
#include "common.hpp"

static std::vector<std::uint32_t> row_start, col;
static std::vector<double> val, vec;

static void setup() {
  bench::rng r(3);
  const std::uint32_t rows = 1 << 15;
  row_start.push_back(0);
  for (std::uint32_t i = 0; i < rows; ++i) {
    std::uint32_t nnz = r.below(8);
    for (std::uint32_t j = 0; j < nnz; ++j) {
      col.push_back(r.below(rows));
      val.push_back(static_cast<double>(r.below(100)) / 10.0);
    }
    row_start.push_back(static_cast<std::uint32_t>(col.size()));
  }
  vec.resize(rows);
  for (double &v : vec)
    v = static_cast<double>(r.below(100)) / 100.0;
}

__attribute__((noinline)) static void spmv(double *out) {
  const std::size_t rows = row_start.size() - 1;
  for (std::size_t i = 0; i < rows; ++i) {
    double s = 0;
    for (std::uint32_t k = row_start[i]; k < row_start[i + 1]; ++k)
      s += val[k] * vec[col[k]];
    out[i] = s;
  }
}

static std::uint64_t run() {
  std::vector<double> out(vec.size());
  double acc = 0;
  for (int rep = 0; rep < 250; ++rep) {
    spmv(out.data());
    acc += out[static_cast<std::size_t>(rep) % out.size()];
  }
  return static_cast<std::uint64_t>(acc);
}

BENCH_KERNEL("short_loops", setup, run)
