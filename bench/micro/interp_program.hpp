// bench/micro/interp_program.hpp: the bytecode and the program shared by the
// two interpreter kernels (interp_switch.cpp: switch dispatch,
// interp_goto.cpp: computed goto), so that they differ only in dispatch.
#ifndef SAFEPOINT_BENCH_INTERP_PROGRAM_HPP
#define SAFEPOINT_BENCH_INTERP_PROGRAM_HPP

#include "common.hpp"

namespace interp {
enum op : std::uint8_t { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, JNZ, JMP, DUP, POP, HALT };
struct insn {
  op code;
  std::int32_t arg;
};

// r0 = n; r1 = 0; do { r1 = (r1 + r0 * r0) % 1000003; r0 = r0 - 1; } while (r0)
inline std::vector<insn> program(std::int32_t n) {
  return {{PUSH, n}, {STORE, 0}, {PUSH, 0}, {STORE, 1},
          // loop: (pc 4)
          {LOAD, 1}, {LOAD, 0}, {LOAD, 0}, {MUL, 0}, {ADD, 0},
          {PUSH, 1000003}, {MOD, 0}, {STORE, 1},
          {LOAD, 0}, {PUSH, 1}, {SUB, 0}, {DUP, 0}, {STORE, 0},
          {JNZ, 4}, {LOAD, 1}, {HALT, 0}};
}

/// The program every interpreter kernel runs, built by setup().
inline std::vector<insn> prog;

inline void setup() { prog = program(4'000'000); }
} // namespace interp

#endif
