// A bytecode interpreter: a dispatch loop over a switch, running a small
// program with its own loops (the classic "one back-edge per instruction").
#include "common.hpp"

namespace {
enum op : std::uint8_t { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, JNZ, JMP, DUP, POP, HALT };
struct insn {
  op code;
  std::int32_t arg;
};

// r0 = n; r1 = 0; do { r1 = (r1 + r0 * r0) % 1000003; r0 = r0 - 1; } while (r0)
std::vector<insn> program(std::int32_t n) {
  return {{PUSH, n}, {STORE, 0}, {PUSH, 0}, {STORE, 1},
          // loop: (pc 4)
          {LOAD, 1}, {LOAD, 0}, {LOAD, 0}, {MUL, 0}, {ADD, 0},
          {PUSH, 1000003}, {MOD, 0}, {STORE, 1},
          {LOAD, 0}, {PUSH, 1}, {SUB, 0}, {DUP, 0}, {STORE, 0},
          {JNZ, 4}, {LOAD, 1}, {HALT, 0}};
}
} // namespace

__attribute__((noinline)) static std::int64_t interpret(const std::vector<insn> &code) {
  std::int64_t stack[64];
  std::int64_t regs[8] = {};
  int sp = 0;
  std::size_t pc = 0;
  for (;;) {
    const insn &i = code[pc++];
    switch (i.code) {
    case PUSH: stack[sp++] = i.arg; break;
    case LOAD: stack[sp++] = regs[i.arg]; break;
    case STORE: regs[i.arg] = stack[--sp]; break;
    case ADD: --sp; stack[sp - 1] += stack[sp]; break;
    case SUB: --sp; stack[sp - 1] -= stack[sp]; break;
    case MUL: --sp; stack[sp - 1] *= stack[sp]; break;
    case MOD: --sp; stack[sp - 1] %= stack[sp]; break;
    case JNZ: if (stack[--sp]) pc = static_cast<std::size_t>(i.arg); break;
    case JMP: pc = static_cast<std::size_t>(i.arg); break;
    case DUP: stack[sp] = stack[sp - 1]; ++sp; break;
    case POP: --sp; break;
    case HALT: return stack[sp - 1];
    }
  }
}

static std::vector<insn> prog;

static void setup() { prog = program(4'000'000); }

static std::uint64_t run() { return static_cast<std::uint64_t>(interpret(prog)); }

BENCH_KERNEL("interp_switch", setup, run)
